"""Ticket tools: merge, undo a merge, split a message off, translate."""
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup, escape

from halo import formats
from halo.blueprints.tickets import bp
from halo.i18n import Translated
from halo.services.errors import ValidationError
from halo.services.inbox import stamps
from halo.services.knowledge import saved_replies
from halo.services.tickets import mentions, merge, notifications, snooze, status
from halo.services.translate import engine as translation
from halo.services.translate import tickets as translate_tickets
from halo.web import is_fragment_request

_SNOOZE_PRESETS = Translated(snooze.PRESETS)


def _go(url: str):
    """Send the browser to url: HX-Redirect for HTMX (the whole page changes), 303 otherwise."""
    if is_fragment_request():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def _ids(values) -> list[int]:
    try:
        return [int(v) for v in values]
    except ValueError:
        raise ValidationError(gettext("Choose tickets from the list.")) from None


@bp.get("/tickets/<int:ticket_id>/merge")
def merge_form(ticket_id: int):
    ticket = status.get_ticket(ticket_id)
    candidates = merge.merge_candidates(ticket_id)
    template = "tickets/_merge_form.html" if is_fragment_request() else "tickets/merge.html"
    return render_template(template, ticket=ticket, candidates=candidates, error=None)


@bp.post("/tickets/<int:ticket_id>/merge")
def merge_into(ticket_id: int):
    try:
        merge.merge_tickets(ticket_id, _ids(request.form.getlist("source_ids")), current_user.id)
    except ValidationError as exc:
        ticket = status.get_ticket(ticket_id)
        template = "tickets/_merge_form.html" if is_fragment_request() else "tickets/merge.html"
        return render_template(template, ticket=ticket, error=str(exc),
                               candidates=merge.merge_candidates(ticket_id)), 400
    flash(gettext("Tickets merged. You can undo it from the merge line in the thread."), "info")
    return _go(url_for("tickets.show", ticket_id=ticket_id))


@bp.post("/merges/<int:event_id>/undo")
def undo_merge(event_id: int):
    undo = merge.undo_merge(event_id, current_user.id)
    flash(gettext("Merge undone: the tickets are separate again."), "info")
    return _go(url_for("tickets.show", ticket_id=undo.ticket_id))


@bp.post("/messages/<int:message_id>/split")
def split(message_id: int):
    ticket = merge.split_message(message_id, current_user.id)
    flash(gettext("Message split off into ticket #%(id)s.", id=ticket.id), "info")
    return _go(url_for("tickets.show", ticket_id=ticket.id))


def translation_from_form(form) -> tuple[str, str] | None:
    """The previewed translation the composer carries to Send, if the agent translated."""
    text, lang = (form.get("translated_body") or "").strip(), (form.get("translation_lang") or "").strip()
    return (text, lang[:16]) if text and lang else None


@bp.post("/tickets/<int:ticket_id>/translate")
def translate_reply(ticket_id: int):
    ctx = {"ticket": status.get_ticket(ticket_id), "preview": None, "error": None,
           "installed": translation.available(), "ai": translation.ai_available(),
           "use_ai": request.form.get("use_ai") == "1"}
    try:
        ctx["preview"] = translate_tickets.preview_reply(ticket_id, request.form.get("body", ""),
                                                         use_ai=ctx["use_ai"])
    except ValidationError as exc:
        ctx["error"] = str(exc)
    except translation.NoTranslation as exc:
        ctx["error"], ctx["no_pack"] = str(exc), True
    template = "tickets/_translate_preview.html" if is_fragment_request() else "tickets/translate.html"
    return render_template(template, **ctx)


@bp.post("/messages/<int:message_id>/translate")
def translate_customer_message(message_id: int):
    ticket_id = translate_tickets.request_message_translation(message_id)
    if is_fragment_request():
        return '<span class="muted translating">Translating… reload to see it.</span>'
    flash(gettext("Translating the message; it appears beside the original when ready."), "info")
    # Back to the message on its ticket, never to a Referer (a header anyone can write).
    return redirect(url_for("tickets.show", ticket_id=ticket_id, _anchor=f"msg-{message_id}"), code=303)


@bp.app_template_filter("language_name")
def _language_name(code):
    """A language's name in the page's language ('Spanish', 'español'), by Babel's CLDR data."""
    if not code:
        return gettext("unknown")
    return formats.language_name(code) or translation.language_name(code)


@bp.app_template_filter("mentions")
def _mentions(text: str) -> Markup:
    """A note's text, escaped, with each @mention of a teammate marked."""
    handles = stamps.cached(("team-handles", stamps.seen("team")), mentions.team_handles)
    out, at = [], 0
    for start, end in mentions.mention_spans(text, handles):
        out += [escape(text[at:start]), Markup('<mark class="mention">{}</mark>').format(text[start:end])]
        at = end
    return Markup("").join([*out, escape(text[at:])])


@bp.app_template_global("needs_translation")
def _needs_translation(message, ticket=None) -> bool:
    """A customer message whose language is not the team's.

    The language is the one detected when the message was stored (Message.language); a
    message stored before that (or too short to tell) falls back to the customer's stated
    language. Nothing is detected here: langdetect on every customer message of every
    render was ~80% of the ticket page.
    """
    lang = message.language
    if not lang and ticket is not None:
        lang = translate_tickets.stated_language(ticket.customer)
    return bool(lang) and lang != translate_tickets.team_language()


@bp.get("/tickets/<int:ticket_id>/saved-replies")
def saved_reply_menu(ticket_id: int):
    ticket = status.get_ticket(ticket_id)
    replies = saved_replies.filled_for(ticket_id, current_user.id)
    template = "tickets/_saved_reply_menu.html" if is_fragment_request() else "tickets/saved_replies.html"
    return render_template(template, ticket=ticket, replies=replies)


def snooze_until(form):
    """A snooze preset's end in the agent's time zone (None: the form has a custom time)."""
    preset = form.get("preset")
    return snooze.preset_until(preset, current_user.timezone) if preset else None


@bp.app_template_filter("agent_time")
def _agent_time(value):
    return snooze.local_time(value, current_user.timezone if current_user.is_authenticated else None)


@bp.app_template_filter("utc_time")
def _utc_time(value):
    """A time in UTC: for pieces sent to every teammate (whose zones differ)."""
    return snooze.local_time(value, "UTC")


@bp.app_context_processor
def _tools_context():
    return {"snooze_presets": _SNOOZE_PRESETS, "unread_notifications": _unread}


def _unread() -> int:
    return notifications.unread_count(current_user.id) if current_user.is_authenticated else 0
