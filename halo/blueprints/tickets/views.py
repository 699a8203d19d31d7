from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import inspect

from halo import clock
from halo.blueprints.tickets import bp, undo_views
from halo.blueprints.tickets.tools import snooze_until, translation_from_form
from halo.i18n import N_, Translated
from halo.kept_pages import kept_page
from halo.services import chat
from halo.services.access import inboxes as access_inboxes
from halo.services.access import roles
from halo.services.access import scope as access_scope
from halo.services.accounts import aliases
from halo.services.ai import pilot as ai_pilot
from halo.services.ai import provider as ai_provider
from halo.services.csat import surveys as csat_surveys
from halo.services.errors import NotFound, ValidationError
from halo.services.inbox import stamps
from halo.services.inbox import views as inbox
from halo.services.service_levels import sla
from halo.services.tickets import assignment, files, mentions, replies, status, undo
from halo.services.tickets import tags as ticket_tags
from halo.services.transactions import reads
from halo.services.translate import tickets as translate_tickets
from halo.web import is_fragment_request, kept

COMPOSER_MODES = Translated({"chat": N_("Chat"), "email": N_("Email"), "note": N_("Note"), "training": N_("Inbox training")})
NOTE_ONLY = Translated({"note": N_("Note")})  # the read-only role's composer (the services refuse the rest too)


def _context(ticket_id: int, **extra) -> dict:
    """Everything the ticket page and its partials may need."""
    ticket = status.get_ticket(ticket_id)
    users = assignment.team()
    modes = COMPOSER_MODES if roles.can(current_user, "reply") else NOTE_ONLY
    ctx = {"ticket": ticket, "users_by_id": {u.id: u for u in users},
           "teammates": [u for u in users if u.active], "modes": modes,
           "mode": _default_mode(ticket), "now": clock.now(), "error": None,
           "error_for": None, "aliases": _active_aliases()}
    ctx.update(extra)
    # What only the page's header shows (a fragment without it passes them empty).
    if "visitors" not in ctx:
        ctx["visitors"] = chat.ticket_visitors(ticket.id) if ticket.channel == "chat" else ()
    if "tag_labels" not in ctx:
        ctx["tag_labels"] = _tag_labels(ticket)
    if ctx["aliases"] and "alias_id" not in ctx:  # "Send as" keeps the alias last used here
        ctx["alias_id"] = replies.last_alias(ticket.id, current_user.id)
    if modes is NOTE_ONLY:
        ctx["mode"] = "note"
    return ctx


def _tag_labels(ticket) -> list:
    """The ticket's tags with their colours; a tag put on or taken off writes an event line
    (thread_rev), a renamed or recoloured tag moves the "inbox" stamp."""
    return stamps.cached(("tag-labels", ticket.id, ticket.thread_rev, stamps.seen("inbox")),
                         lambda: ticket_tags.labels_of([ticket.id])[ticket.id])


def _active_aliases() -> tuple:
    """(id, name) of the aliases an agent can send as; kept until the "team" stamp moves."""
    return stamps.cached(("aliases", stamps.seen("team")), lambda: tuple(
        _Alias(a.id, a.name) for a in aliases.list_aliases(active_only=True)))


def _inbox_choices() -> tuple:
    """(id, name) of the inboxes this teammate sees (the header names the ticket's and
    offers the others to move it to); kept until the "team" stamp moves."""
    return stamps.cached(("inbox-choices", stamps.seen("team"), access_scope.scope_key()),
                         lambda: tuple((i.id, i.name) for i in access_inboxes.list_inboxes()
                                       if access_scope.current() is None
                                       or access_scope.current().sees_inbox(i.id)))


@bp.post("/tickets/<int:ticket_id>/inbox")
def move(ticket_id: int):
    """Move the ticket to another inbox (it leaves the sight of whoever does not see that one)."""
    raw = request.form.get("inbox_id", "")
    try:
        event = access_inboxes.move_ticket(ticket_id, int(raw) if raw.isdigit() else -1, current_user.id)
    except (ValidationError, NotFound) as exc:
        if isinstance(exc, NotFound):
            status.get_ticket(ticket_id)  # a ticket out of sight is a 404 before anything else
        flash(str(exc), "error")
        return redirect(url_for("tickets.show", ticket_id=ticket_id))
    if event is not None:
        flash(gettext("Moved to %(value)s.", value=event.event_data['to_name']), "info")
    if access_scope.can_see_ticket(current_user.id, ticket_id):
        return redirect(url_for("tickets.show", ticket_id=ticket_id))
    return redirect(url_for("inbox.view", view="open"))


class _Alias(NamedTuple):
    id: int
    name: str


def _default_mode(ticket) -> str:
    return "chat" if ticket.channel in ("chat", "api") else "email"


def _page(ticket_id: int, code: int = 200, **extra):
    now = clock.now()
    # The counts first: their statement also reads the change stamps the pieces are kept by.
    counts = inbox.view_counts(current_user.id, now, ticket_id)
    # A ticket out of sight is a 404 before anything is read; its head is all a kept page needs.
    ticket = status.get_head(ticket_id)
    if counts.mentions_here and mentions.mark_mentions_read(ticket_id, current_user.id, now):
        counts = inbox.view_counts(current_user.id, now)
    translate_tickets.schedule_ticket_language(ticket_id, ticket.customer)
    any_policy = stamps.cached(("any-sla-policy", stamps.seen("team")), sla.any_policy)
    reading = sla.reading(sla.evaluate(status.get_ticket(ticket_id), now), now) if any_policy else None
    survey = _survey(ticket)

    def render():
        return _render_page(ticket_id, counts, now, reading, survey, extra)
    if set(extra) - {"mode"} or code != 200 or survey is not None:  # a survey's mail moves with no stamp
        return render(), code
    visitors = chat.ticket_visitors(ticket.id) if ticket.channel == "chat" else ()
    extra["visitors"] = visitors
    # What the page shows beyond what every kept page is keyed by (halo/kept_pages.py): the
    # ticket and its thread (thread_rev), whether its snooze has ended, the counts, the
    # composer's tab, the live visitor and the SLA reading, which move with no stamp.
    key = ("ticket", ticket.id, ticket.thread_rev, ticket.snooze_expired(now), tuple(counts.items()),
           counts.notifications, counts.woken, extra.get("mode"), ai_provider.configured(), reading,
           tuple((v.id, v.online, v.identified, v.blocked_at, v.blocked_by_id, v.last_seen_at)
                 for v in visitors))
    return kept_page(key, render, now), code


def _render_page(ticket_id: int, counts, now: datetime, reading, survey, extra: dict) -> str:
    ctx = _context(ticket_id, counts=counts, now=now, **extra)
    ticket = ctx["ticket"]
    pilot_log_html = _pilot_log_html(ticket)
    ctx.update(thread_html=_thread_html(ctx), pilot_log_html=pilot_log_html,
               halopilot_html=_halopilot_html(ticket, pilot_log_html),
               status_html=_kept_control("tickets/_status.html", ctx, (
                   ticket.snooze_expired(now), current_user.timezone)),
               assignee_html=_kept_control("tickets/_assignee.html", ctx, (current_user.id,)),
               inbox_choices=_inbox_choices(),
               other_tickets=stamps.cached(
                   ("other-tickets", ticket.customer_id, ticket_id, stamps.seen("inbox"),
                    access_scope.scope_key()),
                   lambda: inbox.other_ticket_rows(ticket.customer_id, ticket_id)))
    ctx["sla"], ctx["csat"] = reading, survey
    return render_template("tickets/show.html", **ctx)


def _survey(ticket):
    """The ticket's satisfaction survey. Most tickets have none, and a survey is only ever
    offered in the commit that resolves the ticket (a thread line), so "none" is kept until
    the thread moves on; a survey that exists is read afresh (its mail's state changes
    without a thread line)."""
    key = ("no-survey", ticket.id, ticket.thread_rev)
    if stamps.pieces.get(key):
        return None
    survey = csat_surveys.survey_of(ticket.id)
    if survey is None:
        stamps.pieces.put(key, True)
    return survey


def _pilot_log_html(ticket) -> Markup:
    """The HaloPilot conversation, rendered; its writes move the ticket's thread_rev, and
    it names teammates (the "team" stamp)."""
    def render():
        return Markup(render_template("tickets/_pilot_turns.html", ticket_id=ticket.id,
                                      turns=ai_pilot.conversation(ticket.id)))
    return stamps.cached(("pilot-log", request.script_root, ticket.id, ticket.thread_rev,
                          stamps.seen("team")), render)


def _kept_control(template: str, ctx: dict, shows: tuple) -> Markup:
    """A control of the ticket page's header (status, assignee), kept until the ticket or
    a teammate changes (thread_rev, the "team" stamp), with what else it shows (shows:
    whether a snooze has ended, the viewer's time zone or id); a page with an error
    renders it afresh."""
    def render():
        return render_template(template, **ctx)
    if ctx.get("error"):
        return Markup(render())
    ticket = ctx["ticket"]
    return kept((template, request.script_root, ticket.id, ticket.thread_rev, stamps.seen("team"), *shows),
                render)


_PILOT_LOG_MARK = "halo-pilot-log-goes-here"


def _halopilot_html(ticket, pilot_log_html: Markup) -> Markup:
    """The HaloPilot panel around its kept log. Its actions, question box and notes depend
    only on the ticket's id, whether a model is configured and the language, so the panel
    is kept by those; the log (kept by the ticket's thread_rev) and each session's CSRF
    token (kept()) go into their marks."""
    def render():
        return render_template("tickets/_halopilot.html", ticket=ticket,
                               pilot_log_html=Markup(_PILOT_LOG_MARK))
    panel = kept(("halopilot", request.script_root, ticket.id, ai_provider.configured()), render)
    return Markup(str(panel).replace(_PILOT_LOG_MARK, str(pilot_log_html), 1))


def _thread_html(ctx: dict) -> Markup:
    """The whole thread, rendered, kept until the ticket's thread_rev moves on (any write to
    the ticket or a line of its thread), a teammate or the customer's name or language
    changes, or the minute turns (relative times)."""
    ticket, customer = ctx["ticket"], ctx["ticket"].customer

    def render():
        return render_template("tickets/_thread_items.html", **{
            **ctx, "items": inbox.thread(ticket.id), "broadcast": False})
    key = ("thread", request.script_root, request.host, ticket.id, ticket.thread_rev,
           ticket.status == "merged", stamps.seen("team"), customer.display_name,
           translate_tickets.stated_language(customer), stamps.minute(ctx["now"]))
    return kept(key, render)


@bp.get("/tickets/<int:ticket_id>")
def show(ticket_id: int):
    mode = request.args.get("compose")
    return _page(ticket_id, mode=mode if mode in COMPOSER_MODES else None) if mode else _page(ticket_id)


@bp.get("/tickets/<int:ticket_id>/compose/<mode>")
def compose(ticket_id: int, mode: str):
    if mode not in COMPOSER_MODES:
        mode = None
    # A ticket out of sight is a 404, not a redirect to one (held: the context reads it again).
    ticket = status.get_ticket(ticket_id)
    if not is_fragment_request():
        return redirect(url_for("tickets.show", ticket_id=ticket.id, compose=mode))
    ctx = _context(ticket_id)
    ctx["mode"] = mode or ctx["mode"]
    return render_template("tickets/_composer.html", **ctx)


@bp.post("/tickets/<int:ticket_id>/status")
def set_status(ticket_id: int):
    target = request.form.get("status", "")
    try:
        until = (snooze_until(request.form) or _parse_local(request.form.get("until"))
                 if target == "snoozed" else None)
        before = undo.snapshot([ticket_id])
        event = status.change_status(ticket_id, target, current_user.id, until=until)
    except ValidationError as exc:
        return _control_error(ticket_id, "tickets/_status.html", "status", str(exc))
    offer = event and undo.offer(current_user.id, "status", target, before, [ticket_id],
                                 undo_views.status_text(ticket_id, target))
    return _changed(ticket_id, "tickets/_status.html", event, offer)


@bp.post("/tickets/<int:ticket_id>/assignee")
def set_assignee(ticket_id: int):
    raw = request.form.get("assignee_id", "")
    try:
        assignee_id = int(raw) if raw else None
        before = undo.snapshot([ticket_id])
        event = assignment.assign_ticket(ticket_id, assignee_id, current_user.id)
    except ValueError:
        return _control_error(ticket_id, "tickets/_assignee.html", "assignee", gettext("Choose a teammate."))
    except ValidationError as exc:
        return _control_error(ticket_id, "tickets/_assignee.html", "assignee", str(exc))
    offer = event and undo.offer(current_user.id, "assign", assignee_id, before, [ticket_id],
                                 undo_views.assign_text(ticket_id, assignee_id))
    return _changed(ticket_id, "tickets/_assignee.html", event, offer)


@bp.post("/tickets/<int:ticket_id>/messages")
def post_message(ticket_id: int):
    mode = request.form.get("mode", "")
    body = request.form.get("body", "")
    now = clock.now()
    try:
        alias_id = aliases.check_alias(_alias_id(request.form.get("alias_id")))
        message = replies.post_reply(ticket_id, current_user.id, body, mode, now=now, alias_id=alias_id,
                                     translation=translation_from_form(request.form),
                                     send_key=request.form.get("send_key"), uploads=_uploads())
    except ValidationError as exc:
        if not is_fragment_request():
            flash(str(exc), "error")
            return _page(ticket_id, code=400, mode=mode if mode in COMPOSER_MODES else None,
                         draft=body)
        ctx = _context(ticket_id, mode=mode if mode in COMPOSER_MODES else None,
                       error=str(exc), draft=body, alias_id=_picked_alias(request.form.get("alias_id")))
        return render_template("tickets/_composer.html", **ctx), 400
    if not is_fragment_request():
        return redirect(url_for("tickets.show", ticket_id=ticket_id, compose=mode) + "#thread-end")
    reads.reading_only()  # the post is committed; its answer only reads
    # What the post changed, and no more. The message as committed is not read back: its
    # id is known, and the lines query below loads it with whatever came after it. (A post
    # answered from its send key returns the message the first one wrote, loaded.)
    message_id = inspect(message).identity[0]
    written_at = message.__dict__.get("created_at") or now
    # A note or a directive changes nothing in the header (status, assignee, handler) nor
    # in its author's counts; a reply may assign its author or claim the chat. First the
    # counts, or for a note the change stamps alone (the counts' statement reads them too):
    # the context's kept pieces (teammates, aliases, the ticket's tags) are filed under them.
    header = mode in ("chat", "email")
    if header:
        counts = inbox.view_counts(current_user.id, clock.now())
    else:
        counts = None  # the answer shows none
        stamps.read_all()
    ctx = _context(ticket_id, mode=mode, visitors=(), tag_labels=())
    return render_template("tickets/_posted.html", items=inbox.thread_since(ticket_id, message_id, written_at),
                           counts=counts, header=header, **ctx)


def _uploads() -> list[files.Upload]:
    """The composer's files, each read up to one byte past the per-file limit (the service
    refuses it; a huge file is never held whole: the form parser spooled it to disk)."""
    cap = current_app.config["HALO_MAX_ATTACHMENT_BYTES"] + 1
    return [files.Upload(f.filename or "", f.mimetype or "", f.stream.read(cap))
            for f in request.files.getlist("files") if f.filename]


def _alias_id(raw: str | None) -> int | None:
    """The composer's "Send as" choice; '' means the agent themself."""
    try:
        return int(raw) if raw else None
    except ValueError:
        raise ValidationError(gettext("Choose an alias from the list.")) from None


def _picked_alias(raw: str | None) -> int | None:
    """The alias a refused form had chosen (kept in the composer shown again), if readable."""
    return int(raw) if raw and raw.isdigit() else None


def _changed(ticket_id: int, partial: str, event, offer=None):
    """After a header change: the control, the new event line, the counts and the Undo
    (HTMX), or the page."""
    if not is_fragment_request():
        return redirect(url_for("tickets.show", ticket_id=ticket_id))
    ctx = _context(ticket_id)
    return render_template("tickets/_changed.html", partial=partial, event=event, undo_offer=offer,
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
        raise ValidationError(gettext("Choose when the snooze should end."))
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(gettext("That is not a valid date and time.")) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(current_user.timezone or "UTC"))
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
