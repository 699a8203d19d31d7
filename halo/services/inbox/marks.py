"""Search results as people read them: the words that matched marked, and the stretch of a
message around its first match. Everything else is escaped, so a customer's text can
never add markup of its own."""
import re
from functools import lru_cache

from markupsafe import Markup, escape


def term_pattern(terms: list[str]) -> re.Pattern:
    return _pattern(tuple(terms))


@lru_cache(maxsize=64)
def _pattern(terms: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def highlight(value: str, terms: list[str]) -> Markup:
    """Escape value and wrap each word that starts with a search term in <mark>."""
    if not terms:
        return escape(value)
    # Escaped pieces joined as plain strings, made Markup once (half the cost of Markup joins).
    out, at = [], 0
    for match in term_pattern(terms).finditer(value):
        out += (escape(value[at:match.start()]), "<mark>", escape(match.group(0)), "</mark>")
        at = match.end()
    out.append(escape(value[at:]))
    return Markup("".join(out))


def snippet(body: str, terms: list[str], width: int = 180) -> str:
    """The stretch of body around its first match, on word boundaries."""
    body = " ".join((body or "").split())
    match = term_pattern(terms).search(body) if terms else None
    if match is None or len(body) <= width:
        return body[:width] + ("…" if len(body) > width else "")
    start = max(0, match.start() - width // 3)
    start = body.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(body), start + width)
    return ("…" if start else "") + body[start:end] + ("…" if end < len(body) else "")
