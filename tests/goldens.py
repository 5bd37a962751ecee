"""Golden files: a rendering compared with tests/golden/<name>.json.

A golden file is written only when asked (`pytest --update-golden`); a missing one
fails, so a lost or renamed golden can never pass by writing itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

GOLDEN = Path(__file__).parent / "golden"
UPDATE_OPTION = "--update-golden"


def compare(name: str, actual: Any, *, update: bool) -> None:
    path = GOLDEN / f"{name}.json"
    if update:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not path.exists():
        pytest.fail(f"no golden file {path.name}: run pytest {UPDATE_OPTION} to write it")
    assert actual == json.loads(path.read_text(encoding="utf-8"))
