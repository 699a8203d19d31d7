"""Contacts through the test client: list, page, traits, notes, merge and undo, companies,
import, export and erasure; as admin, agent of another team and read-only teammate."""
import io
import json

import pytest

from halo.extensions import db
from halo.models import AuditEvent, Customer, CustomerMerge, Ticket
from halo.services.access import inboxes, teams
from halo.services.customers import importing
from tests.conftest import Browser
from tests.factories import make_customer, make_ticket, make_user


@pytest.fixture
def world(frozen):
    admin = make_user(email="boss@example.com", name="Ada Admin", role="admin")
    sara = make_user(email="sara@example.com", name="Sara Lind")
    rita = make_user(email="rita@example.com", name="Rita Reader", role="readonly")
    bo = make_user(email="bo@example.com", name="Bo Berg")
    a = inboxes.save_inbox(admin.id, None, name="Billing", addresses="billing@halo.test")
    b = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id, rita.id], inbox_ids=[a.id])
    teams.save_team(admin.id, None, name="Team B", member_ids=[bo.id], inbox_ids=[b.id])
    maya = make_customer(name="Maya Costa", email="maya@acme.test", traits={"plan": "pro"})
    dupe = make_customer(name="Maya C", email="maya.c@gmail.com", traits={"city": "Porto"})
    hidden = make_customer(name="Quentin Hidden", email="q@secret.test", traits={})
    make_ticket(maya, subject="Invoice twice", inbox_id=a.id)
    make_ticket(maya, subject="Zebrafish in B", inbox_id=b.id)
    make_ticket(dupe, subject="From my gmail", inbox_id=a.id)
    make_ticket(hidden, subject="Only in B", inbox_id=b.id)
    return {"admin": admin, "sara": sara, "rita": rita, "bo": bo, "maya": maya.id, "dupe": dupe.id,
            "hidden": hidden.id}


def signed_in(client, user):
    """A browser of its own (its own cookies) signed in as user."""
    client = client.application.test_client()
    browser = Browser(client)
    browser.login(user.email)
    return browser


def test_list_page_fragment_and_sidebar_link(client, world):
    sara = signed_in(client, world["sara"])
    page = sara.get("/customers").get_data(as_text=True)
    assert 'href="/customers"' in page and ">Contacts<" in page
    assert "Maya Costa" in page and "Maya C" in page and "Quentin Hidden" not in page
    fragment = sara.get("/customers?q=gmail", hx=True)
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and 'id="customer-results"' in text
    assert "Maya C" in text and "Maya Costa" not in text
    assert "HX-Request" in fragment.headers["Vary"]
    filtered = sara.get("/customers?traits=plan:pro").get_data(as_text=True)
    assert "Maya Costa" in filtered and "maya.c@gmail.com" not in filtered
    bad = sara.get("/customers?trait=bad!key:1&q=x")
    assert bad.status_code == 400 and "Trait name" in bad.get_data(as_text=True)


def test_customer_page_shows_only_the_tickets_the_teammate_sees(client, world):
    sara = signed_in(client, world["sara"])
    page = sara.get(f"/customers/{world['maya']}").get_data(as_text=True)
    assert "Invoice twice" in page and "Zebrafish" not in page
    assert sara.get(f"/customers/{world['hidden']}").status_code == 404
    admin = signed_in(client, world["admin"])
    assert "Zebrafish in B" in admin.get(f"/customers/{world['maya']}").get_data(as_text=True)


def test_traits_and_profile_edits_and_read_only_refused(client, world):
    sara = signed_in(client, world["sara"])
    response = sara.post(f"/customers/{world['maya']}/traits",
                         {"value_plan": "enterprise", "new_key": "seats", "new_value": "40"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Customer, world["maya"]).traits == {"plan": "enterprise", "seats": "40"}
    sara.post(f"/customers/{world['maya']}/traits", {"value_plan": "enterprise", "value_seats": "40",
                                                      "remove": "seats"})
    db.session.expire_all()
    assert db.session.get(Customer, world["maya"]).traits == {"plan": "enterprise"}
    page = sara.post(f"/customers/{world['maya']}/profile", {"name": "Maya", "email": "not an email"},
                     follow_redirects=True).get_data(as_text=True)
    assert "is not an email address" in page
    rita = signed_in(client, world["rita"])
    page = rita.get(f"/customers/{world['maya']}").get_data(as_text=True)
    assert "Save traits" not in page and "Merge a duplicate" not in page and "Add note" in page
    assert rita.post(f"/customers/{world['maya']}/traits", {"value_plan": "free"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Customer, world["maya"]).traits == {"plan": "enterprise"}


def test_notes_show_who_and_when(client, world):
    rita = signed_in(client, world["rita"])
    page = rita.post(f"/customers/{world['maya']}/notes", {"body": "Call before noon <b>please</b>"},
                     follow_redirects=True).get_data(as_text=True)
    assert "Call before noon &lt;b&gt;please&lt;/b&gt;" in page and "Rita Reader" in page and "just now" in page


def test_merge_then_undo_through_the_page(client, world):
    sara = signed_in(client, world["sara"])
    page = sara.post(f"/customers/{world['maya']}/merge", {"source": "Maya.C@gmail.com"},
                     follow_redirects=True).get_data(as_text=True)
    assert "Merged Maya C into this customer (1 ticket moved)" in page and "From my gmail" in page
    assert "maya.c@gmail.com" in page  # now one of Maya's addresses
    db.session.expire_all()
    assert db.session.get(Customer, world["dupe"]) is None
    record = db.session.scalar(db.select(CustomerMerge))
    page = sara.post(f"/customers/merges/{record.id}/undo", {"back": world["maya"]},
                     follow_redirects=True).get_data(as_text=True)
    assert "Merge undone" in page and "From my gmail" in page and "Maya C" in page
    db.session.expire_all()
    assert db.session.scalar(db.select(Ticket.customer_id).where(Ticket.subject == "From my gmail")) == world["dupe"]
    again = sara.post(f"/customers/merges/{record.id}/undo", {"back": world["maya"]}, follow_redirects=True)
    assert "already undone" in again.get_data(as_text=True)
    # Another team's customer cannot be named as the source.
    page = sara.post(f"/customers/{world['maya']}/merge", {"source": "q@secret.test"})
    assert page.status_code == 404
    assert db.session.get(Customer, world["hidden"]) is not None


def test_companies_pages(client, world):
    sara = signed_in(client, world["sara"])
    page = sara.get("/customers/companies").get_data(as_text=True)
    assert ">acme.test<" in page and ">gmail.com<" not in page and "secret.test" not in page
    assert "Maya Costa" in sara.get("/customers/company?key=acme.test").get_data(as_text=True)
    assert sara.get("/customers/company?key=secret.test").status_code == 404


def test_import_preview_then_run(client, world):
    sara = signed_in(client, world["sara"])
    csv_file = "\ufeffemail;name;plan\nnew@acme.test;New Person;basic\nbroken;Bad;pro\nmaya@acme.test;;vip\n"
    preview = sara.post("/customers/import", {"file": (io.BytesIO(csv_file.encode()), "people.csv")},
                        content_type="multipart/form-data")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "<strong>1</strong> new, <strong>1</strong> to update, <strong>1</strong> with errors" in text
    assert "&#39;broken&#39; is not an email address." in text
    assert db.session.scalar(db.select(Customer).where(Customer.email == "new@acme.test")) is None
    import_id = int(text.split("/customers/import/")[1].split("/run")[0])
    done = sara.post(f"/customers/import/{import_id}/run", follow_redirects=True).get_data(as_text=True)
    assert "Imported: 1 new, 1 updated." in done
    db.session.expire_all()
    assert db.session.get(Customer, world["maya"]).traits == {"plan": "vip"}


def test_import_refuses_a_file_too_large_or_missing(client, world):
    sara = signed_in(client, world["sara"])
    big = b"email\n" + b"a@acme.test\n" * (importing.MAX_BYTES // 12 + 10)
    response = sara.post("/customers/import", {"file": (io.BytesIO(big), "big.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 400 and "an import takes at most 5 MB" in response.get_data(as_text=True)
    response = sara.post("/customers/import", {}, follow_redirects=True)
    assert "Choose a CSV file" in response.get_data(as_text=True)


def test_export_and_erase_are_for_admins(client, world):
    sara = signed_in(client, world["sara"])
    assert sara.get(f"/customers/{world['maya']}/export.json").status_code == 403
    assert sara.post(f"/customers/{world['maya']}/erase", {"confirm": "maya@acme.test"}).status_code == 403
    admin = signed_in(client, world["admin"])
    response = admin.get(f"/customers/{world['maya']}/export.json")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data())
    assert {t["subject"] for t in data["tickets"]} == {"Invoice twice", "Zebrafish in B"}
    wrong = admin.post(f"/customers/{world['maya']}/erase", {"confirm": "maya"}, follow_redirects=True)
    assert "Type maya@acme.test to confirm" in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, world["maya"]).email == "maya@acme.test"
    done = admin.post(f"/customers/{world['maya']}/erase", {"confirm": "maya@acme.test"}, follow_redirects=True)
    assert "Erased: 2 tickets" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, world["maya"]).name == "Erased customer"
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"customer_exported", "customer_erased"} <= actions
