"""Internal notes about a customer: short lines teammates write for each other (who and
when shown); the customer never sees them. Writing one needs the note capability (read-only
teammates write internal notes too, services/access/roles.py); removing one, its author or an admin."""
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from halo import clock
from halo.extensions import db
from halo.models import CustomerNote, User
from halo.services.access import roles
from halo.services.customers.listing import get_customer
from halo.services.errors import Forbidden, NotFound, ValidationError

MAX_NOTE = 2000


def add_note(user_id: int, customer_id: int, body: str) -> CustomerNote:
    """A new note by the teammate on a customer they see."""
    roles.require(user_id, "note")
    get_customer(user_id, customer_id)
    body = (body or "").strip()
    if not body:
        raise ValidationError(gettext("Write something in the note first."))
    if len(body) > MAX_NOTE:
        raise ValidationError(gettext("A note is at most %(MAX_NOTE)s characters (this one has %(len)s).", MAX_NOTE=MAX_NOTE, len=len(body)))
    note = CustomerNote(customer_id=customer_id, author_id=user_id, body=body, created_at=clock.now())
    db.session.add(note)
    db.session.commit()
    return note


def delete_note(user_id: int, note_id: int) -> int:
    """Remove a note (its author or an admin); returns the customer's id."""
    note = db.session.get(CustomerNote, note_id)
    if note is None:
        raise NotFound(gettext("That note does not exist."))
    get_customer(user_id, note.customer_id)
    user = db.session.get(User, user_id)
    if note.author_id != user_id and not (user and user.role == "admin"):
        raise Forbidden(gettext("Only the note's author or an admin can remove it."))
    customer_id = note.customer_id
    db.session.delete(note)
    db.session.commit()
    return customer_id


def customer_notes(customer_id: int, limit: int = 100) -> list[CustomerNote]:
    """The newest notes first, with their authors."""
    return list(db.session.scalars(select(CustomerNote).options(joinedload(CustomerNote.author))
                                   .where(CustomerNote.customer_id == customer_id)
                                   .order_by(CustomerNote.created_at.desc(), CustomerNote.id.desc())
                                   .limit(limit)))
