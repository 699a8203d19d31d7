"""Notification jobs: mail what teammates asked to get by email, and the morning digests."""
from halo.services.notifications import mail


def send_due() -> None:
    """Mail the notifications whose delay has passed (the schedule runs it every minute)."""
    mail.send_due()


def send_digests() -> None:
    """Mail each teammate's daily digest once their morning has come (every 15 minutes)."""
    mail.send_digests()
