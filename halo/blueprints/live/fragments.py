"""HTML fragments pushed to agents' pages (hx-swap-oob), rendered without csrf_token().

The body's hx-headers already carries the CSRF token for every htmx request, so the
broadcast versions of the forms leave the hidden field out (`broadcast=True`).
"""
from flask import render_template

from halo import clock
from halo.blueprints.tickets.ai_views import draft_json
from halo.extensions import db
from halo.models import Notification
from halo.services.access import scope as access_scope
from halo.services.ai import drafts, pilot
from halo.services.errors import NotFound
from halo.services.inbox import by_due, stamps
from halo.services.inbox import views as inbox
from halo.services.tickets import assignment, conversation, handoff, notifications
from halo.services.tickets.status import get_ticket


def _ctx(ticket_id: int, viewer_id: int) -> dict:
    users = assignment.team()
    return {"ticket": get_ticket(ticket_id), "users_by_id": {u.id: u for u in users},
            "teammates": [u for u in users if u.active], "now": clock.now(), "broadcast": True,
            "viewer_id": viewer_id, "oob": True, "error": None, "error_for": None,
            "handler_label": handoff.handler_label}


def thread_items(ticket_id: int, viewer_id: int, after_id: int, also: int | None = None,
                 header_when_quiet: bool = True):
    """Thread lines after after_id (plus one changed line) and the ticket header; (html, last id)."""
    ctx = _ctx(ticket_id, viewer_id)
    items = conversation.lines_after(ticket_id, after_id, also)
    # A reply or customer line alone changes no control: re-sending them would close an
    # agent's open Snooze menu or assignee list mid-choice. Changes write an event line.
    header = (not items and header_when_quiet) or any(m.kind == "event" for m in items)
    html = render_template("live/_ticket_update.html", items=items, header=header, **ctx)
    last = max([after_id] + [m.id for m in items])
    return html, last


def ticket_gone(ticket_id: int) -> str:
    """The ticket page's body, replaced: the ticket moved to an inbox the agent does not see."""
    return render_template("live/_ticket_gone.html", ticket_id=ticket_id)


def ai_draft(draft_id, ticket_id: int | None) -> str:
    """An AI draft as the composer's script reads it (the JSON its polling gets), or '' when
    it is not a draft of this page's ticket."""
    try:
        draft = drafts.get_draft(ticket_id, draft_id)
    except NotFound:
        return ""
    return render_template("tickets/_ai_draft_feed.html", draft=draft_json(draft), oob=True)


def pilot_answer(answer_id, ticket_id: int | None) -> str:
    """A finished HaloPilot answer, out of band for the "Thinking…" line it replaces."""
    try:
        answer = pilot.get_answer(ticket_id, answer_id)
    except NotFound:
        return ""
    if answer.state == "pending":
        return ""
    return render_template("tickets/_pilot_turn.html", m=answer, ticket_id=ticket_id, oob=True)


def presence(ticket_id: int, viewers: dict, typers: set, visitor_typing: bool) -> str:
    """'Sara is viewing · Sara is typing…' for one ticket."""
    return render_template("tickets/_presence.html", ticket_id=ticket_id, viewers=viewers,
                           typers=typers, visitor_typing=visitor_typing, oob=True)


def notification(notification_id, viewer_id: int) -> str:
    """A new notification of the viewer's: the sidebar badge, and the line a desktop
    notification shows (halo.js decides whether to show one)."""
    note = db.session.get(Notification, notification_id) if isinstance(notification_id, int) else None
    if note is None or note.user_id != viewer_id:
        return ""
    if note.ticket_id is not None and not access_scope.can_see_ticket(viewer_id, note.ticket_id):
        return ""  # of a ticket gone out of their sight: the badge will not count it either
    return render_template("live/_notification.html", note=note,
                           unread=notifications.unread_count(viewer_id))


def inbox_update(ticket_id: int | None, view: str, viewer_id: int) -> str:
    """The ticket's row (moved to the top, or removed from this view) and the counts."""
    now = clock.now()
    counts = inbox.view_counts(viewer_id, now)
    row = None
    if ticket_id and inbox.ticket_in_view(ticket_id, view, viewer_id, now):
        row = get_ticket(ticket_id)
    return render_template("live/_inbox_update.html", row=row, ticket_id=ticket_id,
                           view=view, counts=counts, now=now,
                           extras=by_due.row_extras([row.id]) if row is not None else {})


def inbox_stamp() -> str:
    """The "inbox" change stamp now, as pages carry it ('' before the first write)."""
    n = stamps.current("inbox")
    return "" if n is None else str(n)


def inbox_page(view: str, viewer_id: int, limit: int) -> str:
    """The first page of rows (after a reconnect the list may have missed anything)."""
    now = clock.now()
    tickets, next_cursor = inbox.list_tickets(view, viewer_id, now, None, limit)
    return render_template("live/_inbox_page.html", tickets=tickets, next_cursor=next_cursor,
                           view=view, now=now, counts=inbox.view_counts(viewer_id, now),
                           extras=by_due.row_extras([t.id for t in tickets]))


def live_rows() -> str:
    """The Live Conversations table body."""
    return render_template("live/_rows.html", sessions=handoff.live_sessions(), oob=True,
                           handler_label=handoff.handler_labeler(), now=clock.now())


def live_row(ticket_id: int) -> str:
    """One chat's row of the Live table: moved to the top when its chat is the newest,
    redrawn in place when it is listed lower, removed when it is not listed; the whole
    table when it lists one chat or none (so "No chats in progress" comes and goes)."""
    now = clock.now()
    # A new message puts its chat first: the two newest say so without loading the table.
    sessions = handoff.live_sessions(now, limit=2)
    if len(sessions) < 2:
        return render_template("live/_rows.html", sessions=sessions, oob=True, now=now,
                               handler_label=handoff.handler_labeler())
    place = "top" if sessions[0][0].id == ticket_id else "here"
    if place == "here":
        sessions = handoff.live_sessions(now)
    session = next((s for s in sessions if s[0].id == ticket_id), None)
    return render_template("live/_row_update.html", session=session, ticket_id=ticket_id,
                           place=place, handler_label=handoff.handler_labeler(), now=now)
