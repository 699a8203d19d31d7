"""`flask --app wsgi halo serve | worker`: the web server, and the RQ worker that scales out."""
import os
import sys
import tempfile

import click
from flask import current_app

from halo import schedule
from halo.logs import log_banner
from halo.queue import LANE_NAMES, rq_queues
from halo.services.ops import metrics

LEGACY_QUEUE = "halo"  # the one queue before lanes; a default worker drains what is left in it


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queues", default="", metavar="LANE,...",
              help=f"Lanes to take jobs from, first ones first; all by default ({','.join(LANE_NAMES)}).")
@click.option("--schedule/--no-schedule", "run_schedule", default=True, show_default=True,
              help="Also run the periodic jobs while this worker holds the schedule's lease.")
def worker_command(burst, queues, run_schedule):
    """Run an RQ worker (scaled-out mode, needs REDIS_URL), and the schedule, one runner at a time."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set: the embedded server runs jobs in-process.")
    lanes = [lane.strip().removeprefix("halo-") for lane in queues.split(",") if lane.strip()]
    unknown = sorted(set(lanes) - set(LANE_NAMES))
    if unknown:
        raise click.ClickException(f"Unknown lane {', '.join(unknown)}: choose from {', '.join(LANE_NAMES)}.")
    # This command alone needs them: a web process does not load them (~10 MB).
    from redis import Redis
    from rq import Queue, SimpleWorker
    connection = Redis.from_url(url)
    listen = list(rq_queues(connection, lanes or LANE_NAMES).values())
    if not lanes:  # jobs queued before lanes existed still run
        listen.append(Queue(LEGACY_QUEUE, connection=connection))
    # SimpleWorker runs jobs in this process, inside this app context (no fork, no shared
    # database connections between parent and child).
    worker = SimpleWorker(listen, connection=connection)
    runner = schedule.Runner(current_app._get_current_object()).start() if run_schedule and not burst else None
    log_banner(current_app, "worker")
    click.echo(f"Worker on {', '.join(q.name for q in listen)}"
               + ("; runs the schedule when it holds the lease" if runner else ""))
    try:
        worker.work(burst=burst, with_scheduler=True)
    finally:
        if runner is not None:
            runner.stop()


@click.command("serve")
@click.option("--workers", default=1, show_default=True, help="gunicorn worker processes.")
@click.option("--threads", default=32, show_default=True, help="Threads per worker.")
@click.option("--smtp/--no-smtp", default=True, show_default=True,
              help="Embedded mode: also run the SMTP receiver on HALO_SMTP_PORT.")
def serve_command(workers, threads, smtp):
    """Serve Halo with gunicorn on HALO_HOST:HALO_PORT (threaded workers for WebSockets)."""
    cfg = current_app.config
    # Read by halo/gunicorn_conf.py post_worker_init in the worker process.
    os.environ["HALO_EMBEDDED_MAIL"] = "1" if smtp else "0"
    # gunicorn's own logs follow the app's settings (halo/gunicorn_conf.py reads these).
    os.environ["HALO_LOG_LEVEL"], os.environ["HALO_LOG_FORMAT"] = cfg["HALO_LOG_LEVEL"], cfg["HALO_LOG_FORMAT"]
    bind = f"{cfg['HALO_HOST']}:{cfg['HALO_PORT']}"
    # Every gunicorn worker writes its metrics here; a scrape of any one adds them all up.
    metrics_dir = os.environ.get(metrics.MULTIPROC_ENV) or tempfile.mkdtemp(prefix="halo-metrics-")
    metrics.prepare_multiprocess_dir(metrics_dir)
    os.environ[metrics.MULTIPROC_ENV] = metrics_dir
    # glibc gives each busy thread a malloc arena of its own (up to 8 per core), and memory
    # freed in one is rarely returned: with 32 threads a worker's RSS swells by tens of MB
    # (bench/README.md, "Memory"). Two arenas hold it; the operator's own value wins.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    log_banner(current_app, f"web server ({workers} worker processes x {threads} threads)",
               web=f"http://{bind}/",
               smtp=f"{cfg['HALO_SMTP_HOST']}:{cfg['HALO_SMTP_PORT']}" if smtp else None)
    args = ["gunicorn", "--bind", bind, "--worker-class", "gthread", "--workers", str(workers),
            "--threads", str(threads), "--access-logfile", "-",
            "--config", "python:halo.gunicorn_conf", "wsgi:app"]
    click.echo(f"Halo is serving on http://{bind}/")
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    os.execv(gunicorn, args)


COMMANDS = (worker_command, serve_command)
