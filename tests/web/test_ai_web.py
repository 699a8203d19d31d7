"""AI routes through the client: articles, AI Draft JSON, HaloPilot fragments, Settings > AI."""
from halo.extensions import db
from halo.models import Article
from halo.services.ai import settings as ai_settings
from tests.ai_support import ai_queue, offline  # noqa: F401
from tests.factories import make_customer, make_ticket


def test_articles_create_search_and_render_safely(as_agent):
    r = as_agent.post("/knowledge/articles/new", {"title": "Refunds", "body": "**Five days** <script>x()</script>"})
    assert r.status_code == 302
    article = db.session.scalars(db.select(Article)).one()
    page = as_agent.get(f"/knowledge/articles/{article.id}").get_data(as_text=True)
    assert "<strong>Five days</strong>" in page and "<script>x()" not in page
    assert "Refunds" in as_agent.get("/knowledge/articles?q=refund").get_data(as_text=True)
    assert as_agent.post("/knowledge/articles/new", {"title": ""}).status_code == 400
    assert as_agent.post(f"/knowledge/articles/{article.id}/delete").status_code == 403
    assert db.session.get(Article, article.id) is not None


def test_ai_routes_need_login_and_csrf(client, as_agent):
    ticket = make_ticket()
    assert client.post(f"/tickets/{ticket.id}/ai/draft", data={"mode": "email"}).status_code == 400
    anon = client.application.test_client()
    assert anon.get("/knowledge/articles").status_code == 302


def test_draft_and_pilot_offline(as_agent, offline, ai_queue):
    ticket = make_ticket(customer=make_customer(traits={"plan": "growth"}))
    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "AI Draft" in page and "HaloPilot" in page and "No language model is configured" in page
    r = as_agent.post(f"/tickets/{ticket.id}/ai/draft", {"mode": "email"})
    assert r.status_code == 202
    polled = as_agent.get(r.get_json()["poll"]).get_json()
    assert polled["state"] == "done" and polled["offline"] and "offline assistant" in polled["sources_html"]
    r = as_agent.post(f"/tickets/{ticket.id}/pilot", {"action": "plan"}, hx=True)
    assert r.status_code == 200
    answer_id = int(r.get_data(as_text=True).split('id="pilot-')[-1].split('"')[0])
    turn = as_agent.get(f"/tickets/{ticket.id}/pilot/{answer_id}", hx=True).get_data(as_text=True)
    assert "Growth plan" in turn and "Customer profile" in turn
    assert as_agent.post(f"/tickets/{ticket.id}/pilot", {"question": ""}, hx=True).status_code == 400
    assert as_agent.get(f"/tickets/{ticket.id + 999}/pilot/{answer_id}").status_code == 404


def test_settings_ai_admin_only(as_admin):
    r = as_admin.post("/settings/ai", {"email_enabled": "on", "keywords": "refund, lawsuit", "traits": "plan = enterprise"})
    assert r.status_code == 302
    assert ai_settings.get("ai_email_enabled") and ai_settings.get("ai_priority_traits") == [["plan", "enterprise"]]
    assert as_admin.post("/settings/ai", {"traits": "nonsense"}).status_code == 400
    assert ai_settings.get("ai_email_enabled") and ai_settings.get("ai_priority_traits") == [["plan", "enterprise"]]
