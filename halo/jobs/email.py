"""Email jobs: ids in, one service call (the queue provides the app context)."""


def process_inbound(inbound_id: int) -> None:
    """Parse and route one stored inbound email."""
    from halo.services.email.ingest import process_inbound as run
    run(inbound_id)


def process_inbound_batch(inbound_ids: list[int]) -> None:
    """Several stored inbound emails in one transaction (the in-process queue's backlog)."""
    from halo.services.email.ingest import process_inbound_batch as run
    run(inbound_ids)


def send_email(message_id: int) -> None:
    """One send attempt of an agent's email reply."""
    from halo.services.email.outbound import deliver
    deliver(message_id)


def send_verification(sender_id: int, base_url: str) -> None:
    """Mail a sender address its confirmation link."""
    from halo.services.email.notify import send_verification as run
    run(sender_id, base_url)


def poll_mailboxes() -> None:
    """Poll every enabled IMAP mailbox once."""
    from halo.services.email.imap import poll_all
    poll_all()
