"""Publishing a file: bytes in, an unguessable link out.

A handler (or a job) that made a chart, a report pack, an export or a certificate
publishes it here and puts the link in a reply: `ui.Image(url=…)` for a picture,
`ui.Button(label="Download", url=…)` for a document. The link is
`BENCHMATE_PUBLIC_URL/files/<token>/<filename>`; the token is 256 random bits, so
holding the link is the permission, as with calendar files. Files expire.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from store import files
from store.files import StoredFile

DEFAULT_LIFETIME = timedelta(days=30)
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")

PNG = "image/png"
PDF = "application/pdf"
CSV = "text/csv"
JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Published:
    url: str
    filename: str
    expires_at: datetime


def safe_filename(name: str) -> str:
    """A filename that is safe in a URL path and a Content-Disposition header."""
    cleaned = _UNSAFE_IN_NAME.sub("-", name).strip("-.") or "file"
    return cleaned[:120]


async def publish(
    session: AsyncSession,
    *,
    public_url: str,
    now: datetime,
    data: bytes,
    filename: str,
    content_type: str,
    lifetime: timedelta = DEFAULT_LIFETIME,
    owner_id: int | None = None,
) -> Published:
    """Keep `data` for `lifetime` and return the link that serves it."""
    name = safe_filename(filename)
    stored = await files.save(
        session,
        StoredFile(
            token=secrets.token_urlsafe(32),
            filename=name,
            content_type=content_type,
            data=data,
            owner_id=owner_id,
            created_at=now,
            expires_at=now + lifetime,
        ),
    )
    url = f"{public_url.rstrip('/')}/files/{stored.token}/{quote(name)}"
    return Published(url=url, filename=name, expires_at=stored.expires_at)
