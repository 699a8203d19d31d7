"""Reports: the overview page with charts and tables, and each table as CSV."""
import csv
import io

from flask import Blueprint, Response, abort, render_template, request

from halo.models import CHANNELS
from halo.services.errors import ValidationError
from halo.services.reports import charts, overview
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
                           human=charts.human_duration, change=charts.change, percent=charts.percent,
                           points=charts.points)


@bp.get("/reports/<table>.csv")
def download(table: str):
    period = _period()
    out = io.StringIO()
    writer = csv.writer(out)
    if table == "volume":
        days, _ = overview.volume(period)
        writer.writerow(["day", *CHANNELS, "total"])
        for day, by_channel in sorted(days.items()):
            writer.writerow([day.isoformat(), *(by_channel.get(c, 0) for c in CHANNELS), sum(by_channel.values())])
    elif table == "times":
        writer.writerow(["measure", "tickets", "median_seconds", "p90_seconds"])
        for name, times in (("first_response", overview.first_response_times(period)),
                            ("resolution", overview.resolution_times(period))):
            writer.writerow([name, times.n, _num(times.median), _num(times.p90)])
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
