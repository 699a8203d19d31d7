from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import clock
from ...models import User
from ...extensions import db
from ...services import aliases, assignment, inbox, mentions, replies, status, translate_tickets
from ...services.errors import ValidationError
from ...web import is_fragment_request
from . import bp
from .tools import snooze_until, translation_from_form

COMPOSER_MODES = {"chat": "Chat", "email": "Email", "note": "Note", "training": "Inbox training"}


def _context(ticket_id: int, **extra) -> dict:
    """Everything the ticket page and its partials may need."""
    ticket = status.get_ticket(ticket_id)
    users = db.session.scalars(db.select(User)).all()
    ctx = {"ticket": ticket, "users_by_id": {u.id: u for u in users},
           "teammates": [u for u in users if u.active], "modes": COMPOSER_MODES,
           "mode": _default_mode(ticket), "now": clock.now(), "error": None,
           "error_for": None, "aliases": aliases.list_aliases(active_only=True)}
    ctx.update(extra)
    return ctx


def _default_mode(ticket) -> str:
    return "chat" if ticket.channel == "chat" else "email"


def _page(ticket_id: int, code: int = 200, **extra):
    ctx = _context(ticket_id, **extra)
    mentions.mark_mentions_read(ticket_id, current_user.id, ctx["now"])
    translate_tickets.schedule_ticket_language(ticket_id, ctx["ticket"].customer)
    ctx.update(thread=inbox.thread(ticket_id),
               other_tickets=inbox.other_tickets(ctx["ticket"].customer_id, ticket_id),
               counts=inbox.view_counts(current_user.id, ctx["now"]))
    return render_template("tickets/show.html", **ctx), code


@bp.get("/tickets/<int:ticket_id>")
def show(ticket_id: int):
    mode = request.args.get("compose")
    return _page(ticket_id, mode=mode if mode in COMPOSER_MODES else None) if mode else _page(ticket_id)


@bp.get("/tickets/<int:ticket_id>/compose/<mode>")
def compose(ticket_id: int, mode: str):
    if mode not in COMPOSER_MODES:
        mode = None
    if not is_fragment_request():
        return redirect(url_for("tickets.show", ticket_id=ticket_id, compose=mode))
    ctx = _context(ticket_id)
    ctx["mode"] = mode or ctx["mode"]
    return render_template("tickets/_composer.html", **ctx)


@bp.post("/tickets/<int:ticket_id>/status")
def set_status(ticket_id: int):
    target = request.form.get("status", "")
    try:
        until = (snooze_until(request.form) or _parse_local(request.form.get("until"))
                 if target == "snoozed" else None)
        event = status.change_status(ticket_id, target, current_user.id, until=until)
    except ValidationError as exc:
        return _control_error(ticket_id, "tickets/_status.html", "status", str(exc))
    return _changed(ticket_id, "tickets/_status.html", event)


@bp.post("/tickets/<int:ticket_id>/assignee")
def set_assignee(ticket_id: int):
    raw = request.form.get("assignee_id", "")
    try:
        assignee_id = int(raw) if raw else None
        event = assignment.assign_ticket(ticket_id, assignee_id, current_user.id)
    except ValueError:
        return _control_error(ticket_id, "tickets/_assignee.html", "assignee", "Choose a teammate.")
    except ValidationError as exc:
        return _control_error(ticket_id, "tickets/_assignee.html", "assignee", str(exc))
    return _changed(ticket_id, "tickets/_assignee.html", event)


@bp.post("/tickets/<int:ticket_id>/messages")
def post_message(ticket_id: int):
    mode = request.form.get("mode", "")
    body = request.form.get("body", "")
    try:
        alias_id = aliases.check_alias(_alias_id(request.form.get("alias_id")))
        message = replies.post_reply(ticket_id, current_user.id, body, mode, alias_id=alias_id,
                                     translation=translation_from_form(request.form))
    except ValidationError as exc:
        if not is_fragment_request():
            flash(str(exc), "error")
            return _page(ticket_id, code=400, mode=mode if mode in COMPOSER_MODES else None,
                         draft=body)
        ctx = _context(ticket_id, mode=mode if mode in COMPOSER_MODES else None,
                       error=str(exc), draft=body)
        return render_template("tickets/_composer.html", **ctx), 400
    if not is_fragment_request():
        return redirect(url_for("tickets.show", ticket_id=ticket_id, compose=mode) + "#thread-end")
    ctx = _context(ticket_id, mode=mode)
    events = [m for m in inbox.thread(ticket_id) if m.id >= message.id or
              (m.kind == "event" and m.created_at >= message.created_at)]
    return render_template("tickets/_posted.html", items=events,
                           counts=inbox.view_counts(current_user.id, ctx["now"]), **ctx)


def _alias_id(raw: str | None) -> int | None:
    """The composer's "Send as" choice; '' means the agent themself."""
    try:
        return int(raw) if raw else None
    except ValueError:
        raise ValidationError("Choose an alias from the list.") from None


def _changed(ticket_id: int, partial: str, event):
    """After a header change: the control, the new event line and the counts (HTMX), or the page."""
    if not is_fragment_request():
        return redirect(url_for("tickets.show", ticket_id=ticket_id))
    ctx = _context(ticket_id)
    return render_template("tickets/_changed.html", partial=partial, event=event,
                           counts=inbox.view_counts(current_user.id, ctx["now"]), **ctx)


def _control_error(ticket_id: int, partial: str, control: str, message: str):
    if not is_fragment_request():
        flash(message, "error")
        return _page(ticket_id, code=400, error=message, error_for=control)
    ctx = _context(ticket_id, error=message, error_for=control)
    return render_template(partial, **ctx), 400


def _parse_local(value: str | None) -> datetime:
    """A datetime-local value in the agent's time zone, as naive UTC."""
    if not value:
        raise ValidationError("Choose when the snooze should end.")
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError("That is not a valid date and time.") from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(current_user.timezone or "UTC"))
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
