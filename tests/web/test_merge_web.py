"""Merge, undo and split through the client: login, CSRF, HTMX and full-page answers."""
from halo.extensions import db
from halo.models import Message, Ticket
from tests.factories import make_customer, make_ticket


def _pair():
    customer = make_customer(email="ana@example.org")
    return make_ticket(customer, body="First"), make_ticket(customer, body="Second")


def test_merge_needs_login_and_csrf(app, as_agent):
    a, b = _pair()
    assert as_agent.post(f"/tickets/{a.id}/merge", {"source_ids": b.id}, csrf=False).status_code == 400
    anonymous = app.test_client().get(f"/tickets/{a.id}/merge")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert db.session.get(Ticket, b.id).merged_into_id is None


def test_merge_form_fragment_and_page_list_only_eligible(as_agent):
    a, b = _pair()
    other = make_ticket(make_customer(email="bob@example.org"))
    fragment = as_agent.get(f"/tickets/{a.id}/merge", hx=True).get_data(as_text=True)
    assert "<html" not in fragment and f'value="{b.id}"' in fragment
    assert f'value="{other.id}"' not in fragment
    page = as_agent.get(f"/tickets/{a.id}/merge").get_data(as_text=True)
    assert "<html" in page and f'value="{b.id}"' in page


def test_merge_htmx_redirects_and_undo_from_the_event(as_agent):
    a, b = _pair()
    response = as_agent.post(f"/tickets/{a.id}/merge", {"source_ids": b.id}, hx=True)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == f"/tickets/{a.id}"
    page = as_agent.get(f"/tickets/{a.id}").get_data(as_text=True)
    assert "from #%d" % b.id in page and "Undo merge" in page
    merged = as_agent.get(f"/tickets/{b.id}").get_data(as_text=True)
    assert "was merged into" in merged
    event = db.session.scalar(db.select(Message).where(Message.event_type == "merge"))
    response = as_agent.post(f"/merges/{event.id}/undo")
    assert response.status_code == 303
    assert db.session.get(Ticket, b.id).status == "open"


def test_merge_refused_server_side_for_another_customer(as_agent):
    a, _ = _pair()
    other = make_ticket(make_customer(email="bob@example.org"))
    response = as_agent.post(f"/tickets/{a.id}/merge", {"source_ids": other.id}, hx=True)
    assert response.status_code == 400 and "another customer" in response.get_data(as_text=True)
    assert db.session.get(Ticket, other.id).merged_into_id is None


def test_split_makes_a_new_ticket(as_agent):
    a, b = _pair()
    as_agent.post(f"/tickets/{a.id}/merge", {"source_ids": b.id})
    second = db.session.scalar(db.select(Message).where(Message.body_text == "Second"))
    response = as_agent.post(f"/messages/{second.id}/split")
    assert response.status_code == 303
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert db.session.get(Message, second.id).ticket_id == new_id
    assert as_agent.post("/messages/999999/split").status_code == 404
