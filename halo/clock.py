"""The one source of "now" (naive UTC), replaceable in tests so nothing sleeps."""
from datetime import datetime, timezone

_override = None


def now() -> datetime:
    """Current time as naive UTC, or the injected time in tests."""
    if _override is not None:
        return _override
    return datetime.now(timezone.utc).replace(tzinfo=None)


def set_now(value: datetime | None) -> None:
    """Freeze the clock at value (naive UTC); None returns to real time."""
    global _override
    _override = value
