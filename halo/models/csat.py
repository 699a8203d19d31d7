"""Customer satisfaction: one answer per ticket, and the survey that asked for it."""
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from halo import clock
from halo.extensions import db
from halo.i18n import N_

RATINGS = ("good", "okay", "bad")
# How a survey email went out, as the ticket page says it.
ASKED = {"queued": N_("Survey email queued"), "sending": N_("Survey email sending"), "sent": N_("Survey emailed"),
         "failed": N_("Survey email failed"), "skipped": N_("Survey email not sent")}
RATING_LABELS = {"good": N_("Good"), "okay": N_("Okay"), "bad": N_("Not good")}


class CsatSurvey(db.Model):
    """A ticket's survey: offered on a resolve (the resolve's event line names the cycle, so
    one cycle is asked once), sent by email or shown in the chat widget; rating and comment
    are the customer's latest answer (a second answer replaces the first)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | chat
    resolve_event_id: Mapped[int | None]  # the status event line of the resolve that asked
    offered_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Email only: queued -> sending -> sent | failed | skipped (claimed like a reply's send).
    email_state: Mapped[str | None] = mapped_column(String(10))
    email_attempts: Mapped[int] = mapped_column(default=0)
    # When the next attempt is due (the delay, a retry's backoff); while sending, when it began.
    email_due_at: Mapped[datetime | None]
    email_sent_at: Mapped[datetime | None]
    email_error: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[str | None] = mapped_column(String(5))
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None]
    rated_via: Mapped[str | None] = mapped_column(String(10))  # email | chat

    __table_args__ = (Index("ix_csat_survey_rated_at", "rated_at"),
                      Index("ix_csat_survey_offered_at", "offered_at"))

    @property
    def label(self) -> str:
        return gettext(RATING_LABELS[self.rating]) if self.rating in RATING_LABELS else ""

    @property
    def asked(self) -> str:
        """How the survey went out, for the ticket page."""
        if self.channel == "chat":
            return gettext("Survey shown in the chat widget")
        return gettext(ASKED.get(self.email_state or "", N_("Survey")))
