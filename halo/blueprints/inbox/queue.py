"""Working the queue from the inbox: bulk actions, saved segments, search."""
from urllib.parse import parse_qs

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup

from halo import clock
from halo.blueprints.inbox import bp
from halo.services.access import scope as access_scope
from halo.services.errors import Forbidden, HaloError
from halo.services.inbox import search, segments, stamps
from halo.services.inbox.views import view_counts
from halo.services.tickets import bulk, undo
from halo.web import is_fragment_request, safe_next


def _back(default: str) -> str:
    """Where to return after a form post: a path on this site; anything else is a 400."""
    return safe_next(request.form.get("next"), default)


@bp.app_context_processor
def _sidebar_globals():
    return {"sidebar_segments": lambda: segments.sidebar(current_user.id, clock.now())}


@bp.post("/inbox/bulk")
def bulk_action():
    """Apply one action to the selected tickets; report per ticket what did not change."""
    back = _back(url_for("inbox.view", view="open"))
    offer = None
    try:
        action, _, value = request.form.get("do", "").partition(":")
        if action in ("add_tag", "remove_tag"):
            value = request.form.get("tag", "")
        ids = request.form.getlist("ticket_ids")
        before = undo.snapshot([int(i) for i in ids if i.isdigit()][:bulk.MAX_TICKETS])
        result = bulk.bulk_update(ids, action, value or None, current_user.id)
        message, level, code = result.summary(), "error" if result.skipped else "info", 200
        if result.change and result.updated:
            offer = undo.offer(current_user.id, *result.change, before, result.updated, message + ".")
    except Forbidden:
        raise  # the role may not: a 403 page, not a note on the list
    except HaloError as exc:
        message, level, code = str(exc), "error", exc.status_code
    if not is_fragment_request():
        flash(message, level)
        return redirect(back)
    response = make_response(render_template("inbox/_bulk_result.html", message=message, level=level,
                                             undo_offer=offer, undo_next=back), code)
    if code == 200:
        response.headers["HX-Trigger"] = "ticket-list-changed"
    return response


@bp.get("/segments/nav")
def segment_nav():
    """The pinned segments with their counts (the sidebar refreshes it)."""
    return render_template("inbox/_segment_nav.html",
                           segment_counts=segments.sidebar(current_user.id, clock.now()))


@bp.post("/segments")
def create_segment():
    """Save the current filter as a segment."""
    form = request.form
    segment = segments.save_segment(current_user.id, form.get("name", ""), form.get("view", "all"),
                                    parse_qs(form.get("query", "")),
                                    shared=form.get("visibility") == "team")
    flash(gettext("Saved “%(name)s”.", name=segment.name), "info")
    url = url_for("inbox.view", view=segment.view) + (f"?{segment.query}" if segment.query else "")
    if is_fragment_request():
        response = make_response("", 204)
        response.headers["HX-Location"] = url
        return response
    return redirect(url)


@bp.post("/segments/<int:segment_id>")
def update_segment(segment_id: int):
    """Rename, pin or unpin, share or make private."""
    form = request.form
    flag = {"on": True, "off": False}
    back = _back(url_for("inbox.view", view="open"))  # a bad next changes nothing
    segments.update_segment(segment_id, current_user.id, name=form.get("name"),
                            pinned=flag.get(form.get("pinned")), shared=flag.get(form.get("shared")))
    flash(gettext("Segment saved."), "info")
    return redirect(back)


@bp.post("/segments/<int:segment_id>/delete")
def delete_segment(segment_id: int):
    """Remove a segment."""
    back = _back(url_for("inbox.view", view="open"))
    segments.delete_segment(segment_id, current_user.id)
    flash(gettext("Segment removed."), "info")
    return redirect(back)


@bp.get("/search")
def search_page():
    """Ranked search over subjects, messages and customers."""
    query = request.args.get("q", "")[:200]
    now = clock.now()
    # The counts first: their statement also reads the change stamps the results are kept by.
    counts = view_counts(current_user.id, now)

    def results():
        hits = search.search(query) if query.strip() else []
        return render_template("search/_results.html", q=query, hits=hits, recent=search.finding.RECENT)
    # Kept until a ticket, message, customer or teammate changes ("inbox" stamp; tickets moving
    # between inboxes and teams given inboxes move it too) or the minute turns; per access scope
    # (what the teammate's teams see, so teammates who see the same inboxes share it) and
    # per language (stamps.cached), in a store of their own.
    results_html = Markup(stamps.cached(
        ("search-results", request.script_root, query, access_scope.scope_key(),
         stamps.seen("inbox"), stamps.minute(now)), lambda: str(results()), stamps.search_results))
    if is_fragment_request() and request.headers.get("HX-Target") == "search-results":
        return results_html
    return render_template("search/index.html", q=query, results_html=results_html, counts=counts)
