"""A customer's data export and erasure: admins only, audited; erasure keeps the counts."""
import pytest

from halo.extensions import db
from halo.models import AuditEvent, Customer, EmailAttachment, Message, Ticket
from halo.services.customers import notes, privacy
from halo.services.errors import Forbidden, NotFound, ValidationError
from halo.storage import get_storage
from tests.access_support import SECRETS, two_teams
from tests.email_support import attachment_dir, sync_queue  # noqa: F401


@pytest.fixture
def world(frozen, sync_queue, attachment_dir):  # noqa: F811
    return two_teams()


def customer_of(ticket_id):
    return db.session.get(Ticket, ticket_id).customer


def test_export_holds_profile_tickets_messages_and_files(world):
    customer = customer_of(world["tb"])
    notes.add_note(world["bo"].id, customer.id, "Reported the leak by phone too.")
    data = privacy.export_customer(world["admin"].id, customer.id)
    assert data["profile"]["email"] == "hidden-b@customer.test"
    assert data["notes"][0]["body"] == "Reported the leak by phone too."
    tickets = {t["id"]: t for t in data["tickets"]}
    assert set(tickets) == {world["tb"], world["dupe"]}
    lines = tickets[world["tb"]]["messages"]
    assert any("kumquat" in m["body"] for m in lines)
    assert all(m["kind"] != "event" for m in lines)
    files = [f["filename"] for m in lines for f in m["attachments"]]
    assert "secret-plan.pdf" in files
    line = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "customer_exported"))
    assert (line.actor_id, line.target) == (world["admin"].id, f"customer #{customer.id}")
    assert "hidden-b" not in str(line.detail)


def test_only_admins_export_or_erase(world):
    customer = customer_of(world["tb"])
    for user in (world["bo"], world["rita"]):
        with pytest.raises(Forbidden):
            privacy.export_customer(user.id, customer.id)
        with pytest.raises(Forbidden):
            privacy.erase_customer(user.id, customer.id, "hidden-b@customer.test")


def _all_text() -> str:
    """Every row of every table but the audit log, as text."""
    db.session.expire_all()
    return "\n".join(str(row) for table in db.metadata.sorted_tables if table.name != "audit_event"
                     for row in db.session.execute(table.select()).all())


def test_erasure_needs_the_typed_confirmation(world):
    customer = customer_of(world["tb"])
    with pytest.raises(ValidationError, match="Type hidden-b@customer.test"):
        privacy.erase_customer(world["admin"].id, customer.id, "yes")
    assert customer_of(world["tb"]).email == "hidden-b@customer.test"


def test_erasure_anonymises_the_threads_and_keeps_the_counts(world):
    customer = customer_of(world["tb"])
    notes.add_note(world["bo"].id, customer.id, "Quentin Hiddenperson prefers phone.")
    files = [a.storage_name for a in db.session.scalars(db.select(EmailAttachment)) if a.storage_name]
    assert files and any(s in _all_text() for s in SECRETS)
    tickets_before = db.session.scalar(db.select(db.func.count()).select_from(Ticket))
    messages_before = db.session.scalar(db.select(db.func.count()).select_from(Message))

    counts = privacy.erase_customer(world["admin"].id, customer.id, " HIDDEN-B@customer.test ")

    assert counts["tickets"] == 2 and counts["attachments"] >= 2
    text = _all_text()
    assert [s for s in SECRETS if s.lower() in text.lower()] == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == tickets_before
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == messages_before
    erased = db.session.get(Customer, customer.id)
    assert (erased.name, erased.email, erased.traits) == ("Erased customer", None, {})
    assert db.session.get(Ticket, world["tb"]).subject == "[erased]"
    assert not any(get_storage().exists("attachments", name) for name in files)
    # Team A's ticket and customer are untouched.
    assert db.session.get(Ticket, world["ta"]).subject == "Invoice twice charged"
    line = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "customer_erased"))
    assert line.target == f"customer #{customer.id}" and line.detail["tickets"] == 2


def test_an_unknown_customer_is_not_found(world):
    with pytest.raises(NotFound):
        privacy.export_customer(world["admin"].id, 999999)
