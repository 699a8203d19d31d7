"""Workspace settings as typed key/value rows."""
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from halo.extensions import db


class Setting(db.Model):
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
