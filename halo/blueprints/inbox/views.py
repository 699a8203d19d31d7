from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from halo import clock
from halo.blueprints.inbox import bp
from halo.i18n import Translated
from halo.kept_pages import kept_page
from halo.services.inbox import by_due, stamps
from halo.services.inbox import views as inbox
from halo.services.inbox.filters import (
    SLA,
    SORTS,
    describe,
    filter_condition,
    parse_filters,
    to_query,
)
from halo.services.inbox.segment_counts import count_tickets
from halo.services.tickets.assignment import team
from halo.web import is_fragment_request, kept


@bp.get("/")
def home():
    return redirect(url_for("inbox.view", view="open"))


@bp.get("/inbox/<view>")
def view(view: str):
    if view not in inbox.VIEWS:
        abort(404)
    now = clock.now()
    flt = parse_filters(request.args.to_dict(flat=False))
    query, after = to_query(flt), request.args.get("after")
    canonical = url_for("inbox.view", view=view) + (f"?{query}" if query else "")
    if not is_fragment_request() and not after and request.full_path.rstrip("?") != canonical:
        return redirect(canonical)  # empty form fields and odd spellings: one URL per filter
    # The counts first: their statement also reads the change stamps the pieces are kept by.
    counts = inbox.view_counts(current_user.id, now)
    # The page of rows is kept until a ticket, customer, message, mention or teammate
    # changes ("inbox" stamp), a snooze ends (the woken count), or the minute turns
    # (relative times); per agent, as Mine, Mentions and "me" filters differ.
    rows_key = ("inbox-rows", request.script_root, request.host, view, query, after,
                current_user.id, stamps.seen("inbox"), counts.woken, stamps.minute(now))

    def rows():
        lister = by_due.list_by_due if flt.sort == "sla" else inbox.list_tickets
        tickets, next_cursor = lister(
            view, current_user.id, now, after, current_app.config["HALO_PAGE_SIZE"],
            where=filter_condition(flt, current_user.id, now) if flt else None,
            selective=bool(flt.sla))
        return render_template("inbox/_rows.html", tickets=tickets, next_cursor=next_cursor,
                               view=view, filter_query=query, now=now,
                               extras=by_due.row_extras([t.id for t in tickets]))
    if is_fragment_request() and after:
        return kept(rows_key, rows)
    total = count_tickets(view, query, current_user.id, now) if flt else counts[view]

    def context() -> dict:
        return {"sorts": Translated(SORTS), "sla_filters": Translated(SLA), "view": view,
                "view_label": gettext(inbox.VIEWS[view]), "now": now, "filter": flt,
                "filter_query": query, "chips": describe(flt), "counts": counts, "total": total,
                "teammates": [u for u in team() if u.active]}

    def results(ctx: dict) -> str:  # the count, chips, bulk form and rows: also kept, with the teammates
        return kept(rows_key + (stamps.seen("team"), total), lambda: render_template(
            "inbox/_results.html", rows_html=kept(rows_key, rows), **ctx))
    if is_fragment_request() and request.headers.get("HX-Target") == "inbox-results":
        response = make_response(results(context()))
        response.headers["HX-Push-Url"] = canonical
        return response

    def page() -> str:
        ctx = context()
        # The filter bar says the filter and lists the teammates: kept until either changes.
        filter_bar = kept(("filter-bar", request.script_root, view, query, stamps.seen("team")),
                          lambda: render_template("inbox/_filter_bar.html", **ctx))
        return render_template("inbox/index.html", results_html=results(ctx), filter_bar=filter_bar, **ctx)
    # Kept whole (halo/kept_pages.py) by what it shows beyond the rows' own key: the counts.
    return kept_page(("inbox", view, query, after, tuple(counts.items()), counts.notifications,
                      counts.woken, total), page, now)


@bp.get("/inbox/counts")
def counts():
    """The sidebar counts alone (the live updates and tests use it)."""
    return render_template("_counts.html", counts=inbox.view_counts(current_user.id, clock.now()),
                           view=request.args.get("view"))

