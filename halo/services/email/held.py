"""Mail held back instead of threaded: automatic replies (and bounces, Halo's own mail,
exact duplicates), listed for admins under Settings > Emails > Could not process.
An auto-reply an admin judges to be a real message is released and processed again."""
from flask_babel import gettext
from sqlalchemy import select

from halo.extensions import db
from halo.i18n import N_
from halo.models import InboundEmail
from halo.queue import enqueue
from halo.services.email.route import RELEASED
from halo.services.errors import NotFound, ValidationError

JOB = "halo.jobs.email.process_inbound"
LABELS = {"auto_reply": N_("Automatic reply"), "bounce": N_("Bounce"), "own": N_("Sent by Halo"),
          "duplicate": N_("Duplicate")}


def held_emails(limit: int = 100, outcomes=("auto_reply",)) -> list[InboundEmail]:
    """Messages held back (by default: as automatic replies), newest first."""
    return list(db.session.scalars(select(InboundEmail).where(
        InboundEmail.state == "ignored", InboundEmail.outcome.in_(outcomes))
        .order_by(InboundEmail.received_at.desc(), InboundEmail.id.desc()).limit(limit)))


def held_for_admins(limit: int = 100) -> list[InboundEmail]:
    """Everything held back, whatever the reason (LABELS), newest first."""
    return held_emails(limit, tuple(LABELS))


def release(inbound_id: int) -> InboundEmail:
    """Process a held auto-reply as a real message after all (commits, queues the job)."""
    inbound = db.session.get(InboundEmail, inbound_id)
    if inbound is None:
        raise NotFound(gettext("That email does not exist."))
    if inbound.state != "ignored" or inbound.outcome != "auto_reply":
        raise ValidationError(gettext("Only an email held back as an automatic reply can be released."))
    inbound.state, inbound.outcome = "pending", RELEASED
    db.session.commit()
    enqueue(JOB, inbound.id, job_id=f"inbound-{inbound.id}-released")
    return inbound
