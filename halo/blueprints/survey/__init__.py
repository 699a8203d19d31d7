"""/survey/<token>: the public page a satisfaction email's links open.

GET never records: mail security scanners open every link of a message (some run its
script too), so a rating recorded on GET would be whichever link a scanner opened last.
The link opens the page with its rating chosen and a comment box; the customer's Send
(a POST) records it. The signed token in the URL is the form's secret, so the POST needs
no session CSRF token (which would expire while the page sits open in a mail app).
Answers to one ticket's page are rate-limited (HALO_CSAT_ANSWER_LIMIT), as widget frames are.
"""
from flask import Blueprint, render_template, request
from flask_babel import gettext

from halo import i18n
from halo.blueprints.access import public
from halo.extensions import csrf, db
from halo.i18n import Translated
from halo.models import RATING_LABELS, RATINGS, Ticket
from halo.services import chat
from halo.services.csat import surveys, tokens
from halo.services.errors import NotFound, ValidationError

bp = Blueprint("survey", __name__)


@bp.get("/survey/<token>")
@public
def show(token: str):
    try:
        survey = _survey(token)
    except (tokens.BadLink, NotFound) as exc:
        return _problem(exc)
    chosen = request.args.get("rating")
    return _page(token, survey, chosen if chosen in RATINGS else survey.rating, survey.comment)


@bp.post("/survey/<token>")
@public
@csrf.exempt
def answer(token: str):
    try:
        survey = _survey(token)
    except (tokens.BadLink, NotFound) as exc:
        return _problem(exc)
    rating, comment = request.form.get("rating", ""), request.form.get("comment", "")
    if not chat.throttle().allow("HALO_CSAT_ANSWER_LIMIT", "ticket", str(survey.ticket_id)):
        return _page(token, survey, rating if rating in RATINGS else None, comment, code=429,
                     error=gettext("That was a lot of answers at once: please try again in a while."))
    try:
        surveys.record(survey.ticket_id, rating, comment, via="email")
    except ValidationError as exc:
        return _page(token, survey, rating if rating in RATINGS else None, comment, error=str(exc), code=400)
    return render_template("survey/thanks.html", token=token, rating=rating, labels=Translated(RATING_LABELS), comment=comment)


def _survey(token: str):
    survey = surveys.survey_of(tokens.ticket_of(token))
    if survey is None:
        raise NotFound(gettext("This conversation no longer has a survey."))
    # The page speaks the customer's language when Halo knows it, else their browser's.
    i18n.speak(i18n.for_customer(db.session.get(Ticket, survey.ticket_id).customer, fallback=i18n.from_browser()))
    return survey


def _page(token, survey, chosen, comment, error=None, code=200):
    return render_template("survey/rate.html", token=token, survey=survey, chosen=chosen, comment=comment,
                           ratings=RATINGS, labels=Translated(RATING_LABELS), error=error,
                           max_comment=surveys.MAX_COMMENT), code


def _problem(exc):
    code = 404 if isinstance(exc, NotFound) else 410 if getattr(exc, "expired", False) else 400
    return render_template("survey/problem.html", message=str(exc)), code
