"""Constants and small helpers shared by the tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAST_HASH = "pbkdf2:sha256:1000"
PASSWORD = "Correct-Horse-7"
#: 10:00 in Shanghai on 2026-06-10, during the campaign
T0 = datetime(2026, 6, 10, 2, 0, tzinfo=timezone.utc)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
