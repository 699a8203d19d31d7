"""Whole signed-in pages kept until what they show changes: the outer doll of the kept pieces.

A warm page keeps its thread, rows and controls (halo/services/inbox/stamps.py) but still
joined them with the chrome around them on every request: half of the ticket page's CPU,
a third of the inbox's (bench/README.md, "Whole pages kept"). A page whose view can name
everything it shows in a key is rendered once per key, kept as UTF-8, and handed out again.

What every key holds: the page's path and root, the teammate (their name, role, inboxes and
notification switches live on their row, which moves the "inbox" and "team" stamps), their
time zone and language, the three scope stamps the request's sidebar statement read, the
minute (relative times), and the pinned segments with their counts (kept by a timer, not a
stamp). The view adds its own: the ticket's thread_rev, the sidebar counts, the arguments,
and the few live values no stamp covers (a chat's visitors, the SLA reading).

Each request puts in its own CSRF token and a fresh send key (a form sent twice is written
once, so every form gets a new one). A page with a flash message waiting is rendered afresh:
the message is shown, and used up, once.
"""
import secrets
from datetime import datetime

from flask import g, session
from flask_login import current_user

from halo.services.inbox import segments, stamps
from halo.web import CSRF_MARK, SEND_KEY_MARK, csrf_token_once, page_root

# Pages as bytes, least recently used dropped first: ~90 KB a 100-message ticket page, ~30 KB
# an inbox page, so ~90 open tickets' pages or ~260 inbox pages a process; apart from the
# pieces, so whole pages never push out the threads they are made of.
pages = stamps.PieceCache(budget=8_000_000)

_CSRF = CSRF_MARK.encode()
_SEND_KEY = SEND_KEY_MARK.encode()


def kept_page(key: tuple, render, now: datetime) -> bytes | str:
    """The page render() makes, kept under key plus what every page shows (above).

    now must be the time render() shows (the view's one clock reading): the key's minute is
    taken from it, so a page is never filed under a minute it does not show."""
    if session.get("_flashes"):
        return render()
    full = (("page",) + page_root() + (current_user.id, current_user.timezone)
            + tuple(stamps.seen(scope) for scope in stamps.SCOPES)
            + (stamps.minute(now), tuple(segments.sidebar(current_user.id, now))) + key)
    try:
        hash(full)
    except TypeError:  # a value that cannot be compared as a key: rendered, not kept
        return render()
    return _fill(stamps.cached(full, lambda: _render_marked(render), pages))


def _render_marked(render) -> bytes:
    """render() with marks where each request's CSRF token and send keys go."""
    saved = g.pop("_halo_csrf_token", None)
    g._halo_csrf_token, g._halo_marking = CSRF_MARK, True
    try:
        return str(render()).encode()
    finally:
        g.pop("_halo_csrf_token")
        g.pop("_halo_marking")
        if saved is not None:
            g._halo_csrf_token = saved


def _fill(body: bytes) -> bytes:
    if _CSRF in body:
        body = body.replace(_CSRF, csrf_token_once().encode())
    if _SEND_KEY in body:
        first, *rest = body.split(_SEND_KEY)
        body = first + b"".join(secrets.token_urlsafe(12).encode() + part for part in rest)
    return body
