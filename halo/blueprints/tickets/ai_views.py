"""The ticket page's AI: AI Draft for the composer and the HaloPilot sidebar."""
from flask import jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from halo.blueprints.tickets import bp
from halo.i18n import Translated
from halo.services.ai import drafts as ai_drafts
from halo.services.ai import pilot as ai_pilot
from halo.services.ai import provider as ai_provider
from halo.services.errors import ValidationError
from halo.web import is_fragment_request


def draft_json(draft) -> dict:
    """What the composer's script reads while a draft streams in."""
    return {"id": draft.id, "state": draft.state, "text": draft.text, "error": draft.error,
            "offline": draft.offline, "mode": draft.mode,
            "poll": url_for("tickets.ai_draft", ticket_id=draft.ticket_id, draft_id=draft.id),
            "sources_html": render_template("tickets/_ai_sources.html", sources=draft.sources,
                                            offline=draft.offline) if draft.state == "done" else ""}


@bp.post("/tickets/<int:ticket_id>/ai/draft")
def ai_draft_start(ticket_id: int):
    try:
        draft = ai_drafts.request_draft(ticket_id, current_user.id, request.form.get("mode", ""))
    except ValidationError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(draft_json(draft)), 202


@bp.get("/tickets/<int:ticket_id>/ai/drafts/<int:draft_id>")
def ai_draft(ticket_id: int, draft_id: int):
    response = jsonify(draft_json(ai_drafts.get_draft(ticket_id, draft_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tickets/<int:ticket_id>/pilot")
def pilot_ask(ticket_id: int):
    try:
        answer = ai_pilot.ask(ticket_id, current_user.id, request.form.get("question", ""),
                              request.form.get("action") or None)
    except ValidationError as exc:
        if not is_fragment_request():
            return redirect(url_for("tickets.show", ticket_id=ticket_id))
        return render_template("tickets/_pilot_error.html", error=str(exc)), 400
    if not is_fragment_request():
        return redirect(url_for("tickets.show", ticket_id=ticket_id) + "#halopilot")
    turns = [m for m in ai_pilot.conversation(ticket_id) if m.id >= answer.id - 1]
    return render_template("tickets/_pilot_turns.html", turns=turns, ticket_id=ticket_id)


@bp.get("/tickets/<int:ticket_id>/pilot/<int:answer_id>")
def pilot_answer(ticket_id: int, answer_id: int):
    m = ai_pilot.get_answer(ticket_id, answer_id)
    return render_template("tickets/_pilot_turn.html", m=m, ticket_id=ticket_id)


_PILOT_ACTIONS = Translated(ai_pilot.ACTIONS)


def pilot_context(ticket_id: int, with_turns: bool = True) -> dict:
    """What _halopilot.html needs (the ticket page calls it from the template, and brings
    the turns already rendered)."""
    return {"pilot_turns": ai_pilot.conversation(ticket_id) if with_turns else (),
            "pilot_actions": _PILOT_ACTIONS,
            "ai_configured": ai_provider.configured(), "ai_model": ai_provider.model_name()}


@bp.app_context_processor
def _pilot_helpers():
    return {"pilot_context": pilot_context}
