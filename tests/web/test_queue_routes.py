"""Filters, segments, bulk actions and search through the client: login, CSRF, fragments."""
import re

import pytest

from halo.extensions import db
from halo.models import Segment, Ticket
from halo.services.inbox import segment_counts
from tests.factories import make_customer, make_ticket

POSTS = ["/inbox/bulk", "/segments", "/segments/{s}", "/segments/{s}/delete"]
GETS = ["/search?q=x", "/segments/nav", "/inbox/open?trait=plan:pro"]


@pytest.fixture(autouse=True)
def _fresh_counts():
    segment_counts.reset_cache()  # counts are cached per process for MIN_AGE seconds


@pytest.fixture
def seg(agent):
    s = Segment(name="Pro", owner_id=agent.id, shared=True, view="open", query="trait=plan%3Apro")
    db.session.add(s)
    db.session.commit()
    return s.id


@pytest.mark.parametrize("url", GETS + POSTS)
def test_login_required(client, seg, url):
    url = url.format(s=seg)
    response = (client.post if url in [p.format(s=seg) for p in POSTS] else client.get)(url)
    assert response.status_code in (302, 400)  # CSRF is checked before the session on POSTs
    if response.status_code == 302:
        assert "/login" in response.location


@pytest.mark.parametrize("url", POSTS)
def test_posts_need_csrf(as_agent, seg, url):
    ticket = make_ticket()
    response = as_agent.post(url.format(s=seg), {"ticket_ids": ticket.id, "do": "spam", "name": "x"},
                             csrf=False)
    assert response.status_code == 400
    assert db.session.get(Ticket, ticket.id).status == "open"
    assert db.session.get(Segment, seg).name == "Pro"


def test_filtered_inbox_full_page_fragment_and_canonical_url(as_agent, seg):
    pro = make_ticket(customer=make_customer(traits={"plan": "pro"}), subject="Pro question")
    make_ticket(customer=make_customer(traits={"plan": "free"}), subject="Free question")
    messy = as_agent.get("/inbox/open?trait=plan:pro&status=&q=")
    assert messy.status_code == 302 and messy.location.endswith("/inbox/open?trait=plan%3Apro")
    page = as_agent.get("/inbox/open?trait=plan%3Apro").get_data(as_text=True)
    assert "<html" in page and "Pro question" in page and "Free question" not in page
    assert "1 ticket match" in page and 'data-segment="%d"' % seg in page
    part = as_agent.client.get("/inbox/open?trait=plan:pro&q=",
                               headers={"HX-Request": "true", "HX-Target": "inbox-results"})
    html = part.get_data(as_text=True)
    assert "<html" not in html and "Pro question" in html and "Free question" not in html
    assert part.headers["HX-Push-Url"] == "/inbox/open?trait=plan%3Apro"


def test_bad_filter_is_a_400_with_the_reason(as_agent):
    for hx in (False, True):
        response = as_agent.get("/inbox/open?status=closed", hx=hx)
        assert response.status_code == 400 and "Unknown status" in response.get_data(as_text=True)


def test_load_more_keeps_the_filter(as_agent, app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_PAGE_SIZE", 1)
    pro = make_customer(traits={"plan": "pro"})
    make_ticket(customer=pro)
    make_ticket(customer=make_customer(traits={"plan": "free"}))
    make_ticket(customer=pro)
    page = as_agent.get("/inbox/open?trait=plan%3Apro").get_data(as_text=True)
    more = re.search(r'hx-get="([^"]*after=[^"]+)"', page).group(1).replace("&amp;", "&")
    assert "trait=plan%3Apro&after=" in more
    rows = as_agent.get(more, hx=True).get_data(as_text=True)
    assert rows.count('class="ticket-row') == 1 and 'id="load-more"' not in rows


def test_save_segment_then_manage_it(as_admin, admin):
    make_ticket(customer=make_customer(traits={"plan": "pro"}))
    response = as_admin.post("/segments", {"name": "Pro customers", "view": "open",
                                           "query": "trait=plan%3Apro", "visibility": "team"})
    segment = db.session.scalars(db.select(Segment)).one()
    assert response.status_code == 302 and segment.shared and segment.query == "trait=plan%3Apro"
    nav = as_admin.get("/segments/nav", hx=True).get_data(as_text=True)
    assert "Pro customers" in nav and re.search(r'class="count">1<', nav)
    settings = as_admin.get("/settings/inbox-views").get_data(as_text=True)
    assert "Team custom inboxes" in settings and "Auto-assign on reply" in settings
    as_admin.post(f"/segments/{segment.id}", {"pinned": "off", "next": "/settings/inbox-views"})
    assert not db.session.get(Segment, segment.id).pinned
    assert as_admin.post("/segments", {"name": "", "view": "open"}).status_code == 400
    hx = as_admin.post("/segments", {"name": "Again", "view": "open", "query": ""}, hx=True)
    assert hx.status_code == 204 and hx.headers["HX-Location"] == "/inbox/open"


def test_agent_cannot_change_someone_elses_team_segment(as_agent, admin):
    s = Segment(name="Theirs", owner_id=admin.id, shared=True, view="open", query="")
    db.session.add(s)
    db.session.commit()
    assert as_agent.post(f"/segments/{s.id}/delete").status_code == 403
    assert db.session.get(Segment, s.id).name == "Theirs"
    assert as_agent.post("/segments/424242/delete").status_code == 404


def test_bulk_action_fragment_and_redirect(as_agent):
    a, done = make_ticket(), make_ticket(status="spam")
    response = as_agent.post("/inbox/bulk", {"ticket_ids": [a.id, done.id], "do": "status:in_progress"}, hx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert f"1 updated, 1 skipped: #{done.id}: is Spam" in html
    assert response.headers["HX-Trigger"] == "ticket-list-changed"
    plain = as_agent.post("/inbox/bulk", {"ticket_ids": [a.id], "do": "assign:me", "next": "/inbox/mine"})
    assert plain.status_code == 302 and plain.location.endswith("/inbox/mine")
    evil = as_agent.post("/inbox/bulk", {"ticket_ids": [a.id], "do": "spam", "next": "//evil.example"})
    assert evil.status_code == 400 and evil.location is None  # refused (test_redirects.py)
    assert db.session.get(Ticket, a.id).status != "spam"
    bad = as_agent.post("/inbox/bulk", {"do": "spam"}, hx=True)
    assert bad.status_code == 400 and "Select at least one" in bad.get_data(as_text=True)


def test_search_page_and_fragment_escape_and_mark(as_agent):
    make_ticket(subject="<img src=x onerror=alert(1)> refund please")
    page = as_agent.get("/search?q=refund").get_data(as_text=True)
    assert "<html" in page and "<mark>refund</mark>" in page and "<img src=x" not in page
    part = as_agent.client.get("/search?q=(refund NEAR \"", headers={"HX-Request": "true",
                                                                     "HX-Target": "search-results"})
    assert part.status_code == 200 and "<html" not in part.get_data(as_text=True)
    assert "search-hit" in part.get_data(as_text=True)


def test_search_page_says_when_only_the_newest_matches_were_ranked(as_agent, monkeypatch):
    from halo.services.inbox.search import finding
    monkeypatch.setattr(finding, "RECENT", 1)
    make_ticket(subject="Refund please", body="refund")
    make_ticket(subject="Another refund", body="refund again")
    page = as_agent.get("/search?q=refund").get_data(as_text=True)
    assert "best of the most recent 1 matches" in page
    assert "most recent" not in as_agent.get("/search?q=another").get_data(as_text=True)


def test_bulk_next_is_a_path_on_this_site_only(as_agent):
    """A next that names another site as the browser reads it is a 400 that changes nothing."""
    ticket = make_ticket()
    for target in ("//evil.example", "/\\evil.example", "https://evil.example/", "/\t/evil.example"):
        response = as_agent.post("/inbox/bulk", {"ticket_ids": [ticket.id], "do": "assign:me", "next": target})
        assert response.status_code == 400 and response.location is None
        assert db.session.get(Ticket, ticket.id).assignee_id is None


def test_the_kept_filter_bar_follows_the_filter_and_the_team(as_agent):
    from tests.factories import make_user
    bar = re.compile(r'<form id="filter-bar".*?</form>', re.S)
    plain = bar.search(as_agent.get("/inbox/open").text).group(0)
    assert 'value="pro"' not in plain and "Any status" in plain
    filtered = bar.search(as_agent.get("/inbox/open?status=priority&tag=pro").text).group(0)
    assert 'value="pro"' in filtered and 'value="priority" checked' in filtered
    assert bar.search(as_agent.get("/inbox/open").text).group(0) == plain  # kept, not the last one
    make_user(email="newcomer@example.com", name="Nia Newcomer")  # the team changes
    assert "Nia Newcomer" in bar.search(as_agent.get("/inbox/open").text).group(0)
