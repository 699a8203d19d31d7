"""Email jobs: ids in, one service call (the queue provides the app context)."""
from datetime import timedelta

from halo.services.accounts import reset as accounts_reset
from halo.services.csat import mail as csat_mail
from halo.services.email import imap as email_imap
from halo.services.email import ingest as email_ingest
from halo.services.email import notify as email_notify
from halo.services.email import outbound as email_outbound


def process_inbound(inbound_id: int) -> None:
    """Parse and route one stored inbound email."""
    email_ingest.process_inbound(inbound_id)


def process_inbound_batch(inbound_ids: list[int]) -> None:
    """Several stored inbound emails in one transaction (the in-process queue's backlog)."""
    email_ingest.process_inbound_batch(inbound_ids)


def requeue_inbound(older_than_seconds: int) -> None:
    """Queue stored emails no job has processed for that long (the schedule runs it)."""
    email_ingest.requeue_pending(older_than=timedelta(seconds=older_than_seconds))


def send_email(message_id: int) -> None:
    """One send attempt of an agent's email reply."""
    email_outbound.deliver(message_id)


def send_due() -> None:
    """Attempt due retries and flag stale sends as uncertain (the schedule runs it)."""
    email_outbound.send_due()


def send_verification(sender_id: int, base_url: str) -> None:
    """Mail a sender address its confirmation link."""
    email_notify.send_verification(sender_id, base_url)


def poll_mailboxes() -> None:
    """Poll every enabled IMAP mailbox once."""
    email_imap.poll_all()


def send_password_reset(user_id: int) -> None:
    """Mail a teammate the password reset link they asked for."""
    accounts_reset.send_reset_email(user_id)


def send_csat_survey(survey_id: int, resolve_event_id: int) -> None:
    """One attempt at a satisfaction survey email (services/csat/mail.py)."""
    csat_mail.deliver(survey_id, resolve_event_id)


def send_due_surveys() -> None:
    """Survey emails whose delay or retry time has come (the schedule runs it)."""
    csat_mail.send_due()
