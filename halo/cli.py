"""`flask --app wsgi halo ...`: commands that call services."""
import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from redis import Redis
from rq import Queue, SimpleWorker

from halo import schedule
from halo.queue import LANE_NAMES, rq_queues

LEGACY_QUEUE = "halo"  # the one queue before lanes; a default worker drains what is left in it

halo_cli = AppGroup("halo", help="Halo administration.")


@halo_cli.command("ensure-admin")
def ensure_admin_command():
    """Create the first admin from HALO_ADMIN_EMAIL / HALO_ADMIN_PASSWORD (or generate one)."""
    from halo.services.accounts.users import ensure_admin
    from halo.services.errors import ValidationError
    try:
        user, generated = ensure_admin(current_app.config.get("HALO_ADMIN_EMAIL"),
                                       current_app.config.get("HALO_ADMIN_PASSWORD"))
    except ValidationError as exc:
        raise click.ClickException(
            f"Cannot create the first admin from HALO_ADMIN_EMAIL / HALO_ADMIN_PASSWORD: {exc}") from None
    if generated:
        click.echo(f"Created the first admin: {user.email} / password: {generated}")
        click.echo("Change it in Settings > Team after signing in.")
    else:
        click.echo(f"Admin: {user.email}")


@halo_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(["admin", "agent"]), default="agent")
def create_user_command(email, name, password, role):
    """Add a teammate."""
    from halo.services.accounts.users import create_user
    from halo.services.errors import ValidationError
    try:
        user = create_user(email, name, password, role)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.role} {user.email} (@{user.handle})")


@halo_cli.command("demo")
@click.option("--seed", default=7, help="Random seed, for a repeatable workspace.")
def demo_command(seed):
    """Load a believable demo workspace (customers, tickets, threads, teammates)."""
    from halo.services.demo import load_demo
    summary = load_demo(seed=seed)
    if summary.get("already_loaded"):
        click.echo(f"The demo workspace is already loaded: {summary['tickets']} tickets. Nothing was "
                   "changed; teammates sign in with password 'demo-password' (e.g. sara@demo.halo).")
        return
    click.echo("Demo workspace loaded: " + ", ".join(f"{v} {k}" for k, v in summary.items()))
    click.echo("Teammates sign in with password 'demo-password' (e.g. sara@demo.halo).")


@halo_cli.command("recount")
def recount_command():
    """Rebuild the sidebar counters from the ticket table; move the change stamps on."""
    from halo.services.inbox.counters import rebuild_counters
    rebuild_counters()
    click.echo("Counters rebuilt; change stamps moved on.")


@halo_cli.command("wake-snoozes")
def wake_snoozes_command():
    """Return tickets whose snooze has ended to Open and notify their assignees."""
    from halo.services.tickets.snooze import wake_due
    click.echo(f"Woke {len(wake_due())} tickets.")


@halo_cli.command("worker")
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
    connection = Redis.from_url(url)
    listen = list(rq_queues(connection, lanes or LANE_NAMES).values())
    if not lanes:  # jobs queued before lanes existed still run
        listen.append(Queue(LEGACY_QUEUE, connection=connection))
    # SimpleWorker runs jobs in this process, inside this app context (no fork, no shared
    # database connections between parent and child).
    worker = SimpleWorker(listen, connection=connection)
    runner = schedule.Runner(current_app._get_current_object()).start() if run_schedule and not burst else None
    click.echo(f"Worker on {', '.join(q.name for q in listen)}"
               + ("; runs the schedule when it holds the lease" if runner else ""))
    try:
        worker.work(burst=burst, with_scheduler=True)
    finally:
        if runner is not None:
            runner.stop()


@halo_cli.command("serve")
@click.option("--workers", default=1, show_default=True, help="gunicorn worker processes.")
@click.option("--threads", default=32, show_default=True, help="Threads per worker.")
@click.option("--smtp/--no-smtp", default=True, show_default=True,
              help="Embedded mode: also run the SMTP receiver on HALO_SMTP_PORT.")
def serve_command(workers, threads, smtp):
    """Serve Halo with gunicorn on HALO_HOST:HALO_PORT (threaded workers for WebSockets)."""
    cfg = current_app.config
    # Read by halo/gunicorn_conf.py post_worker_init in the worker process.
    os.environ["HALO_EMBEDDED_MAIL"] = "1" if smtp else "0"
    bind = f"{cfg['HALO_HOST']}:{cfg['HALO_PORT']}"
    args = ["gunicorn", "--bind", bind, "--worker-class", "gthread", "--workers", str(workers),
            "--threads", str(threads), "--access-logfile", "-",
            "--config", "python:halo.gunicorn_conf", "wsgi:app"]
    click.echo(f"Halo is serving on http://{bind}/")
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    os.execv(gunicorn, args)


from halo import (
    cli_email,  # noqa: E402,F401  (registers the email commands)
    cli_tools,  # noqa: E402,F401  (registers the translation commands)
)
