"""Reports: the overview page and the pages per teammate, tag and inbox, each chart with
its table, and each table as CSV (cells defused against spreadsheet formulas)."""
import csv
import io

from flask import Blueprint, Response, abort, render_template, request

from halo import formats
from halo.models import CHANNELS
from halo.services.errors import ValidationError
from halo.services.integrations.exports import cell
from halo.services.reports import breakdown, charts, overview
from halo.services.reports import csat as csat_report

bp = Blueprint("reports", __name__)


def _period():
    try:
        return overview.parse_period(request.args.get("from"), request.args.get("to"))
    except ValidationError as exc:
        abort(400, str(exc))


@bp.get("/reports")
def index():
    period = _period()
    current, prior = overview.compare(period)
    return render_template("reports/overview.html", report=current, prior=prior, channels=CHANNELS,
                           chart=charts.stacked_bars(current.volume, CHANNELS),
                           human=formats.duration, change=formats.change, percent=formats.percent,
                           points=formats.points, pages=breakdown.PAGES, page=None)


@bp.get("/reports/<page>")
def dimension(page: str):
    if page not in breakdown.PAGES:
        abort(404)
    period = _period()
    dim, title, noun = breakdown.PAGES[page]
    rows = breakdown.report(period, dim)
    chart = charts.paired_bars([(r.label, r.now.handled, r.before.handled) for r in rows])
    return render_template("reports/dimension.html", period=period, prior=period.before(), rows=rows,
                           chart=chart, title=title, noun=noun, page=page, pages=breakdown.PAGES,
                           human=formats.duration, percent=formats.percent, change=formats.change)


@bp.get("/reports/<table>.csv")
def download(table: str):
    period = _period()
    out = io.StringIO()
    writer = _Guarded(csv.writer(out))
    if table in breakdown.PAGES:
        _dimension_csv(writer, period, table)
    elif table == "volume":
        days, _ = overview.volume(period)
        writer.writerow(["day", *CHANNELS, "total"])
        for day, by_channel in sorted(days.items()):
            writer.writerow([day.isoformat(), *(by_channel.get(c, 0) for c in CHANNELS), sum(by_channel.values())])
    elif table == "times":
        writer.writerow(["measure", "tickets", "median_seconds", "p90_seconds"])
        for name, times in (("first_response", overview.first_response_times(period)),
                            ("resolution", overview.resolution_times(period))):
            writer.writerow([name, times.n, _num(times.median), _num(times.p90)])
    elif table == "sla":
        writer.writerow(["period", "first_day", "last_day", "first_response_met", "first_response_clocks",
                         "first_response_percent", "resolution_met", "resolution_clocks", "resolution_percent"])
        for name, span in (("current", period), ("before", period.before())):
            s = overview.sla_achievement(span)
            writer.writerow([name, span.first.isoformat(), span.last.isoformat(), s.first_met, s.first_total,
                             _num(s.first), s.resolution_met, s.resolution_total, _num(s.resolution)])
    elif table == "csat":
        writer.writerow(["period", "first_day", "last_day", "answers", "good", "okay", "not_good",
                         "csat_percent", "score", "surveys_offered", "offered_answered", "response_rate_percent"])
        for name, span in (("current", period), ("before", period.before())):
            s = csat_report.satisfaction(span)
            writer.writerow([name, span.first.isoformat(), span.last.isoformat(), s.answered, s.good, s.okay, s.bad,
                             _num(s.csat), _num(s.score), s.offered, s.offered_answered, _num(s.response_rate)])
    elif table == "backlog":
        writer.writerow(["status", "tickets"])
        for label, n in overview.backlog().items():
            writer.writerow([label, n])
    else:
        abort(404)
    name = f"halo-{table}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _num(value):
    return "" if value is None else round(value)


class _Guarded:
    """A csv writer whose cells pass through exports.cell (text starting = + - @ defused)."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row):
        self.writer.writerow([cell(v) for v in row])


MEASURES = ("new", "handled", "replies", "first_response_n", "first_response_median_seconds",
            "first_response_p90_seconds", "resolved", "resolution_median_seconds", "resolution_p90_seconds",
            "sla_met", "sla_clocks", "sla_percent", "csat_answers", "csat_percent")


def _measures(f) -> list:
    sla = f.sla
    return [f.new, f.handled, f.replies, f.first_response.n, _num(f.first_response.median),
            _num(f.first_response.p90), f.resolution.n, _num(f.resolution.median), _num(f.resolution.p90),
            sla.first_met + sla.resolution_met, sla.first_total + sla.resolution_total, _num(sla.overall),
            f.csat_answered, _num(f.csat)]


def _dimension_csv(writer, period, page: str) -> None:
    """One line per teammate (tag, inbox): each measure, then the same for the period before."""
    dim, _title, noun = breakdown.PAGES[page]
    writer.writerow([noun.lower(), *MEASURES, *(m + "_before" for m in MEASURES)])
    for row in breakdown.report(period, dim):
        writer.writerow([row.label, *_measures(row.now), *_measures(row.before)])
