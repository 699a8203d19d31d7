"""Prometheus metrics: what each process counts, and what is read from the shared state.

Counted in the serving processes (prometheus_client): HTTP requests and their latency by
route, and open widget and agent WebSockets. Under gunicorn every worker process writes
its numbers to files in PROMETHEUS_MULTIPROC_DIR (`halo serve` makes one when none is
set) and a scrape of any worker adds them all up.

Read at scrape time from what every host shares, so the numbers are whole however many
workers, SMTP receivers and hosts there are: the job queue (depth, lag and failed jobs
per lane), inbound email by state and outbound email by state, from the database.
"""
import glob
import logging
import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import and_, case, func, select

import halo
from halo import queue
from halo.extensions import db
from halo.models import InboundEmail, OutboundEmail

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter("halo_http_requests", "HTTP requests answered, by route pattern, method and status.",
                   ["route", "method", "status"])
LATENCY = Histogram("halo_http_request_duration_seconds", "Time to answer an HTTP request, by route pattern.",
                    ["route", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
SOCKETS = Gauge("halo_websockets", "Open WebSocket connections: widget (visitors) and agent (pages).",
                ["kind"], multiprocess_mode="livesum")


def prepare_multiprocess_dir(path: str) -> None:
    """Make path ready for a new server: created if missing, emptied of a previous run's files."""
    os.makedirs(path, exist_ok=True)
    for name in glob.glob(os.path.join(path, "*.db")):
        os.remove(name)


def worker_exited(pid: int) -> None:
    """A gunicorn worker ended: its live gauges (open sockets) stop counting."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)


class SharedStateCollector:
    """Metrics read at scrape time from the queue backend and the database.

    A source that cannot be read (Redis or the database away) is left out and says so in
    halo_scrape_source_up, rather than failing the whole scrape.
    """

    def collect(self):
        yield _info()
        up = GaugeMetricFamily("halo_scrape_source_up", "1 when the source was read for this scrape.",
                               labels=["source"])
        for source, read in (("queue", _queue_metrics), ("database", _email_metrics)):
            try:
                families = read()
            except Exception as exc:
                log.warning("metrics: could not read the %s: %s", source, exc)
                up.add_metric([source], 0)
                continue
            up.add_metric([source], 1)
            yield from families
        yield up


def _info():
    family = GaugeMetricFamily("halo_build_info", "Halo's version.", labels=["version"])
    family.add_metric([halo.__version__], 1)
    return family


def _queue_metrics():
    depth = GaugeMetricFamily("halo_queue_jobs", "Jobs due and waiting, by lane.", labels=["lane"])
    lag = GaugeMetricFamily("halo_queue_lag_seconds", "How long the oldest due job of a lane has waited.",
                            labels=["lane"])
    failed = GaugeMetricFamily("halo_queue_failed_jobs",
                               "Jobs that failed for good, by lane (RQ's failed registry; in-process: since start).",
                               labels=["lane"])
    for lane, s in queue.stats().items():
        depth.add_metric([lane], s["depth"])
        lag.add_metric([lane], s["oldest_seconds"])
        failed.add_metric([lane], s["failed"])
    return depth, lag, failed


def _email_metrics():
    inbound = GaugeMetricFamily(
        "halo_inbound_emails", "Inbound emails stored, by state: pending (stored, not yet processed), "
        "done, ignored (bounces, auto-replies, own mail), failed.", labels=["state"])
    outbound = GaugeMetricFamily(
        "halo_outbound_emails", "Outbound emails by state: queued, retrying, sending, sent, failed, "
        "bounced, uncertain.", labels=["state"])
    try:
        for state, count in db.session.execute(
                select(InboundEmail.state, func.count()).group_by(InboundEmail.state)):
            inbound.add_metric([state], count)
        shown = case((and_(OutboundEmail.state == "failed", OutboundEmail.last_error.like("Bounced:%")),
                      "bounced"),
                     (and_(OutboundEmail.state == "queued", OutboundEmail.attempts > 0), "retrying"),
                     else_=OutboundEmail.state)
        for state, count in db.session.execute(select(shown, func.count()).group_by(shown)):
            outbound.add_metric([state], count)
    finally:
        db.session.remove()
    return inbound, outbound


class _ThisProcess:
    """The default registry's metrics (this process alone), for a server of one process."""

    def collect(self):
        return REGISTRY.collect()


def render() -> bytes:
    """The exposition text of every metric; call inside an app context."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(SharedStateCollector())
    return generate_latest(registry)
