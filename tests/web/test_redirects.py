"""Where Halo sends a browser next: one check of the URL as the browser will read it, used by
the sign-in form, bulk actions, Live and translate. A crafted next is a 400 that changes
nothing; never a redirect to another site, never a 500."""
from urllib.parse import quote

import pytest

from halo.extensions import db
from halo.models import Message, Ticket
from halo.security.redirects import browser_form, local_path, safe_next
from tests.conftest import TOKEN
from tests.factories import make_ticket

# Each of these names another site (or is not a path) once a browser has read it.
HOSTILE = ["/\t/evil.example", "/\n/evil.example", "/\r\n/x", "/\\evil.example", "\\/evil.example",
           "//evil.example", " //evil.example", "\x00//evil.example", "/\t\\evil.example",
           "https://evil.example/", "HTTPS:evil.example", "javascript:alert(1)", "evil.example",
           "/x\x00y", "/x\x7fy", "\t"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_not_local(target):
    assert local_path(target) is None
    with pytest.raises(Exception) as caught:
        safe_next(target, "/inbox/open")
    assert caught.value.code == 400


@pytest.mark.parametrize("target, expected", [
    ("/tickets/4?tab=notes#msg-9", "/tickets/4?tab=notes#msg-9"),
    ("/%09/evil.example", "/%09/evil.example"),  # an encoded tab stays in the path: same site
    ("/inbox/open?q=a b", "/inbox/open?q=a%20b"),
    ("/search?q=caf\u00e9", "/search?q=caf%C3%A9"),
    (" /inbox/open ", "/inbox/open"),  # edges stripped as the browser strips them
    ("/in\tbox/open", "/inbox/open"),  # tabs dropped: the Location is what the browser would have read
    ("/x:y", "/x:y"),
])
def test_local_paths_come_back_as_the_browser_reads_them(target, expected):
    assert local_path(target) == expected


def test_browser_form_follows_the_whatwg_parser():
    assert browser_form("\x01 /a\tb\nc\\d \x1f") == "/abc/d"


def test_no_next_means_the_default():
    assert safe_next(None, "/d") == "/d" and safe_next("", "/d") == "/d"


def _login_form(client):
    return TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)


@pytest.mark.parametrize("next_", ["/%09/evil.example", "/%0a/x", "/%0d%0a/x", "%5C%5Cevil.example",
                                   "/%5Cevil.example", "https%3A%2F%2Fevil.example"])
def test_sign_in_form_refuses_a_crafted_next_and_signs_nobody_in(client, admin, next_):
    # The raw query as an attacker's link would carry it (already percent-encoded).
    assert client.get(f"/login?next={next_}").status_code == 400
    token = _login_form(client)
    response = client.post(f"/login?next={next_}", data={"email": admin.email, "password": "password123",
                                                         "csrf_token": token})
    assert response.status_code == 400
    assert "points away from Halo" in response.get_data(as_text=True)
    assert response.location is None
    assert client.get("/inbox/open").status_code == 302  # not signed in


def test_sign_in_form_follows_a_local_next(client, admin):
    token = _login_form(client)
    target = "/tickets/7?tab=x"
    response = client.post("/login?next=" + quote(target, safe=""),
                           data={"email": admin.email, "password": "password123", "csrf_token": token})
    assert response.status_code == 302 and response.location == target
    # Already signed in: the same check, the same answer.
    assert client.get("/login?next=/%09/evil.example").status_code == 400
    assert client.get("/login?next=/search").location == "/search"


def test_bulk_with_a_crafted_next_is_refused_and_changes_nothing(as_agent):
    ticket = make_ticket()
    response = as_agent.post("/inbox/bulk", {"do": "status:resolved", "ticket_ids": ticket.id,
                                             "next": "/\t/evil.example"})
    assert response.status_code == 400
    assert db.session.get(Ticket, ticket.id).status == "open"
    response = as_agent.post("/inbox/bulk", {"do": "status:resolved", "ticket_ids": ticket.id,
                                             "next": "/inbox/open?q=x"})
    assert response.status_code == 302 and response.location == "/inbox/open?q=x"
    assert db.session.get(Ticket, ticket.id).status == "resolved"


def test_live_take_over_with_a_crafted_next_is_refused_and_changes_nothing(as_agent, agent):
    ticket = make_ticket(channel="chat")
    response = as_agent.post(f"/tickets/{ticket.id}/take-over", {"next": "/\\evil.example"})
    assert response.status_code == 400
    saved = db.session.get(Ticket, ticket.id)
    assert (saved.assignee_id, saved.status) == (None, "open")
    response = as_agent.post(f"/tickets/{ticket.id}/take-over", {"next": "/live"})
    assert response.location == "/live"
    assert db.session.get(Ticket, ticket.id).assignee_id == agent.id


def test_translate_goes_back_to_the_message_never_to_the_referer(as_agent):
    ticket = make_ticket()
    message = db.session.scalar(db.select(Message).where(Message.ticket_id == ticket.id))
    response = as_agent.client.post(f"/messages/{message.id}/translate", data={"csrf_token": as_agent.token},
                                    headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 303
    assert response.location == f"/tickets/{ticket.id}#msg-{message.id}"
