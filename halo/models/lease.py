"""Leases: which process runs a one-at-a-time duty (the schedule), and until when."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from halo.extensions import db


class Lease(db.Model):
    """One row per duty; the holder renews expires_at while it lives, anyone may take it after."""
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime]
