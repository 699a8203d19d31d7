"""Dates, times, durations and percentages in the page's language (Babel's CLDR data).

Stored times are naive UTC. `day` shows a date, `moment` a time in a zone with its
weekday; both follow the locale Flask-Babel chose for the request (halo/i18n.py), or the
default language in a job. ISO-shaped stamps (2026-11-24 13:00 UTC) need none of this.
"""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _format_date
from babel.dates import format_skeleton, get_day_names
from babel.numbers import format_percent
from babel.units import format_unit
from flask import current_app, has_app_context
from flask_babel import get_locale, gettext

__all__ = ["change", "day", "duration", "language_name", "locale", "moment", "percent", "points", "weekday_names"]


def locale() -> Locale:
    """The locale to format in: the request's, else the app's default, else English."""
    found = get_locale() if has_app_context() else None
    if found is not None:
        return found
    return Locale.parse(current_app.config.get("BABEL_DEFAULT_LOCALE", "en") if has_app_context() else "en")


def day(value: date | datetime | None) -> str:
    """'Nov 24, 2026' / '24 nov 2026': a date in the page's language."""
    if value is None:
        return ""
    return _format_date(value, "medium", locale=locale())


def moment(value: datetime | None, tz: ZoneInfo) -> str:
    """A naive-UTC time in a zone, with its weekday: 'Tue, Nov 24, 14:00' / 'mar, 24 nov, 14:00'."""
    if value is None:
        return ""
    here = locale()
    at = value.replace(tzinfo=timezone.utc)
    the_day = format_skeleton("MMMEd", at, tzinfo=tz, locale=here)
    the_time = format_skeleton("Hm", at, tzinfo=tz, locale=here)
    return here.datetime_formats["short"].format(the_time, the_day)


def language_name(code: str | None) -> str | None:
    """A language tag's name in the page's language ('German' / 'alemán'); None when Babel
    does not know the tag."""
    if not code:
        return None
    try:
        found = Locale.parse(code.replace("-", "_")).get_display_name(locale())
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    return found or None


def weekday_names() -> list[str]:
    """Monday to Sunday in the page's language."""
    names = get_day_names("wide", context="stand-alone", locale=locale())
    return [names[i] for i in range(7)]


def duration(seconds: float | None) -> str:
    """'12 min', '3.4 h', '2.1 days' (CLDR's short units); an em dash for nothing measured."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return format_unit(round(max(seconds, 0) / 60), "duration-minute", length="short", locale=locale())
    if seconds < 86400:
        return format_unit(seconds / 3600, "duration-hour", length="short", format="#,##0.0", locale=locale())
    return format_unit(seconds / 86400, "duration-day", length="short", format="#,##0.0", locale=locale())


def percent(value: float | None) -> str:
    """'87%' / '87 %' for a figure already in percent; an em dash for nothing measured."""
    return "—" if value is None else format_percent(value / 100, locale=locale())


def change(now: float | None, before: float | None) -> str:
    """'+12%' beside the period before; '' when there is nothing to compare."""
    if now is None or not before:
        return ""
    shown = format_percent((now - before) / before, locale=locale())
    return shown if now < before else "+" + shown


def points(now: float | None, before: float | None) -> str:
    """'+4 pts' beside the period before, for figures that are already percentages."""
    if now is None or before is None:
        return ""
    return gettext("%(signed)s pts", signed=f"{now - before:+.0f}")
