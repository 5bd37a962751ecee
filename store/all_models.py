"""Imports every module that defines tables, so Base.metadata is complete."""

from store import admissions, anonymous, audit, data_rights, files, models, overflow  # noqa: F401
from store.events import models as events  # noqa: F401
from store.mentoring import models as mentoring  # noqa: F401
from store.nominations import models as nominations  # noqa: F401
from store.pulse import models as pulse_models  # noqa: F401
