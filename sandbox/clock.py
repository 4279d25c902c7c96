"""Wall-clock time as epoch seconds, and the ISO 8601 form the API speaks (DRF style, UTC, `Z`)."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    return time.time()


def to_iso(epoch_seconds: float) -> str:
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat().replace("+00:00", "Z")


def epoch(moment: datetime) -> float:
    """Epoch seconds of a datetime; a naive one is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
