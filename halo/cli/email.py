"""`flask --app wsgi halo ...` commands of the email channel."""
import json
import time

import click
from flask import current_app

from halo import schedule
from halo.logs import log_banner
from halo.mail.parse import parse_email_files
from halo.services.email.imap import poll_all_reported
from halo.services.email.ingest import requeue_pending
from halo.services.email.outbound import send_due


@click.command("parse-email")
@click.argument("files", nargs=-1, required=True)
def parse_email_command(files):
    """Print what the ingest parser reads from each FILE, one JSON object per line."""
    failed = False
    for result in parse_email_files(files):
        failed = failed or "error" in result
        click.echo(json.dumps(result, ensure_ascii=False))
    if failed:
        raise SystemExit(1)


@click.command("smtpd")
@click.option("--host", default=None, help="Bind address (default HALO_SMTP_HOST).")
@click.option("--port", default=None, type=int, help="Port (default HALO_SMTP_PORT).")
@click.option("--background/--no-background", default=True,
              help="Embedded (no REDIS_URL): also run the schedule (IMAP poll, send retries, ...) "
                   "when no other process holds its lease.")
def smtpd_command(host, port, background):
    """Run the SMTP receiver on its own (point your MX or relay at it)."""
    from halo.smtp_receiver import (
        make_controller,  # aiosmtpd: only this command serves SMTP
    )

    app = current_app._get_current_object()
    controller = make_controller(app, host, port)
    controller.start()
    runner = schedule.start_embedded(app) if background else None
    log_banner(app, "SMTP receiver", smtp=f"{controller.hostname}:{controller.port}")
    click.echo(f"Halo SMTP receiver on {controller.hostname}:{controller.port}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
        if runner is not None:
            runner.stop()


@click.command("poll-imap")
def poll_imap_command():
    """Poll every enabled IMAP mailbox once; exits 1 when any poll failed, saying why."""
    failed = False
    for mailbox_id, (stored, error) in poll_all_reported().items():
        if error:
            failed = True
            click.echo(f"mailbox {mailbox_id}: failed: {error}", err=True)
        else:
            click.echo(f"mailbox {mailbox_id}: {stored} new")
    if failed:
        raise SystemExit(1)


@click.command("send-due")
def send_due_command():
    """Send queued emails whose retry time has come; flag stale sends as uncertain."""
    click.echo(json.dumps(send_due()))


@click.command("requeue-inbound")
def requeue_inbound_command():
    """Queue stored inbound emails that no job has processed yet."""
    click.echo(f"Queued {requeue_pending()} stored emails.")


COMMANDS = (parse_email_command, smtpd_command, poll_imap_command, send_due_command,
            requeue_inbound_command)
