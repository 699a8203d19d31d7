"""Spam verdict for a new inbound email: the upstream filter's word, then a few rules."""
import re

from sqlalchemy import select

from halo.extensions import db
from halo.models import TrustedSender

SCORE_THRESHOLD = 5.0
_PHRASES = re.compile(
    r"\b(viagra|cialis|casino|lottery|you (have )?won|claim your (prize|reward)|"
    r"crypto(currency)? (investment|opportunity)|bitcoin (profit|investment)|"
    r"wire transfer|inheritance|100% free|act now|limited time offer|"
    r"click (here|below) to (claim|unsubscribe)|work from home|make money fast|"
    r"dear (beneficiary|friend)|nigerian prince)\b", re.I)
_URL = re.compile(r"https?://", re.I)


def is_trusted(address: str) -> bool:
    """True when the address or its domain is listed under Trusted senders."""
    address = (address or "").lower()
    domain = address.rpartition("@")[2]
    candidates = [c for c in (address, domain) if c]
    if not candidates:
        return False
    return db.session.scalar(
        select(TrustedSender.id).where(TrustedSender.pattern.in_(candidates)).limit(1)) is not None


def spam_reason(parsed) -> str | None:
    """Why this email looks like spam, or None; trusted senders are never spam."""
    if is_trusted(parsed.from_address):
        return None
    if parsed.spam_verdict:
        return "upstream filter verdict"
    if parsed.spam_score is not None and parsed.spam_score >= SCORE_THRESHOLD:
        return f"upstream spam score {parsed.spam_score:g}, at or over {SCORE_THRESHOLD:g}"
    if parsed.spam_verdict is False:
        return None  # an upstream filter looked and passed it; trust that over our rules
    return _rules(parsed)


def _rules(parsed) -> str | None:
    text = f"{parsed.subject}\n{parsed.text}"
    hits = {m.group(0).lower() for m in _PHRASES.finditer(text)}
    if len(hits) >= 2:
        return "spam phrases: " + ", ".join(sorted(hits)[:3])
    links = len(_URL.findall(parsed.text or ""))
    words = len(_URL.sub(" ", parsed.text or "").split())
    if links >= 10 and words < links * 5:
        return "mostly links"
    if "@" not in (parsed.from_address or "") or "." not in parsed.from_address.rpartition("@")[2]:
        return "no valid sender address"
    return None
