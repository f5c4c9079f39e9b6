"""Time helpers: UTC inside, the campaign's time zone for days and display."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from ..config import CAMPAIGN_TIMEZONE

CAMPAIGN_TZ = ZoneInfo(CAMPAIGN_TIMEZONE)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def campaign_day_start(now: datetime) -> datetime:
    """Midnight of `now`'s calendar day in the campaign's time zone, as aware UTC."""
    local = now.astimezone(CAMPAIGN_TZ)
    midnight = datetime.combine(local.date(), time(0), tzinfo=CAMPAIGN_TZ)
    return midnight.astimezone(timezone.utc)


def next_campaign_day_start(now: datetime) -> datetime:
    return campaign_day_start(campaign_day_start(now) + timedelta(hours=36))


def to_campaign_tz(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(CAMPAIGN_TZ)


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 with offset, in the campaign's time zone (e.g. 2026-06-05T09:00:00+08:00)."""
    return None if value is None else value.astimezone(CAMPAIGN_TZ).isoformat(timespec="seconds")


def parse_local_datetime(value: str) -> datetime:
    """Parse ISO 8601; a value without offset is read in the campaign's time zone."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CAMPAIGN_TZ)
    return parsed.astimezone(timezone.utc)


def seconds_until(deadline: datetime, now: datetime) -> int:
    return max(0, int((deadline - now).total_seconds()))


#: Years a time typed by a person may fall in (quiz windows).  Anything else is a typing error,
#: and year 1 or 9999 would overflow the conversions to and from the campaign's time zone.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099
TIME_RANGE_MESSAGE = f"时间应在 {EARLIEST_YEAR} 年至 {LATEST_YEAR} 年之间"


def supported_time(value: datetime | None) -> bool:
    """A time people may set (None: no time): its year lies in EARLIEST_YEAR..LATEST_YEAR."""
    return value is None or EARLIEST_YEAR <= value.year <= LATEST_YEAR


def in_campaign_tz_if_naive(value: datetime | None) -> datetime | None:
    """Datetimes without an offset are read in the campaign's time zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=CAMPAIGN_TZ)
