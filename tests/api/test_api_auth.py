"""Who may call the API: bearer tokens only, hashed, scoped, revocable, rate-limited;
sessions never reach the API and tokens never reach pages."""
import pytest
from werkzeug.routing import IntegerConverter

from halo.extensions import db
from halo.models import ApiToken, Article
from halo.services.errors import Forbidden
from halo.services.integrations import ratelimit, tokens
from tests.api.conftest import Api, token_for
from tests.conftest import Browser
from tests.factories import make_ticket, make_user

PROBLEM = "application/problem+json"


def test_no_token_is_a_401_problem_with_a_bearer_challenge(client):
    response = client.get("/api/v1/tickets")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["type"] == "/api/v1/problems/invalid-token"


@pytest.mark.parametrize("header", ["Bearer halo_pat_not-a-real-one", "Basic dXNlcjpwYXNz",
                                    "Bearer ", "halo_pat_x"])
def test_unknown_or_malformed_tokens_are_refused(client, header):
    response = client.get("/api/v1/tickets", headers={"Authorization": header})
    assert response.status_code == 401 and response.mimetype == PROBLEM


def test_the_secret_is_stored_only_as_its_digest(admin):
    token, secret = tokens.create_token(admin.id, "CRM", "read")
    stored = db.session.get(ApiToken, token.id)
    assert secret not in (stored.token_hash, stored.prefix)
    assert secret.startswith(stored.prefix) and len(stored.token_hash) == 64


def test_revoked_token_is_refused_at_once(client, admin):
    token, secret = tokens.create_token(admin.id, "CRM", "read")
    api = Api(client, secret)
    assert api.get("/tickets").status_code == 200
    tokens.revoke_token(token.id, admin.id)
    response = api.get("/tickets")
    assert response.status_code == 401
    assert "revoked" in response.get_json()["detail"]


def test_a_deactivated_owner_ends_their_personal_tokens(client, agent):
    api = Api(client, token_for(agent, "read"))
    agent.active = False
    db.session.commit()
    assert api.get("/tickets").status_code == 401


def test_last_use_is_recorded(client, agent, frozen):
    token, secret = tokens.create_token(agent.id, "CRM", "read")
    assert token.last_used_at is None
    Api(client, secret).get("/teammates")
    assert db.session.get(ApiToken, token.id).last_used_at == frozen.start


def test_a_session_cookie_never_authenticates_the_api(client, admin):
    browser = Browser(client)
    browser.login(admin.email)
    assert browser.get("/inbox/open").status_code == 200
    response = client.get("/api/v1/tickets")
    assert response.status_code == 401
    before = db.session.scalar(db.select(db.func.count()).select_from(Article))
    response = client.post("/api/v1/articles", json={"title": "From a page"},
                           headers={"X-CSRFToken": browser.token})
    assert response.status_code == 401
    assert db.session.scalar(db.select(db.func.count()).select_from(Article)) == before


def test_a_token_never_authenticates_a_page(client, admin):
    secret = token_for(admin, "admin")
    response = client.get("/inbox/open", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 302 and response.location.startswith("/login")


def test_read_scope_cannot_write_and_nothing_is_written(api_reader):
    response = api_reader.post("/articles", json={"title": "Refunds"})
    assert response.status_code == 403
    assert response.get_json()["type"] == "/api/v1/problems/insufficient-scope"
    assert db.session.scalar(db.select(db.func.count()).select_from(Article)) == 0


def test_only_admins_make_workspace_or_admin_tokens(agent):
    with pytest.raises(Forbidden):
        tokens.create_token(agent.id, "Bot", "write", kind="workspace")
    with pytest.raises(Forbidden):
        tokens.create_token(agent.id, "Mine", "admin")


def test_a_workspace_token_has_no_me(api_bot):
    response = api_bot.get("/tickets?view=mine")
    assert response.status_code == 400
    assert response.get_json()["errors"] == [{"detail": response.get_json()["detail"], "parameter": "view"}]
    assert api_bot.get("/tickets?assignee=me").get_json()["errors"][0]["parameter"] == "assignee"
    assert api_bot.get("/tickets").status_code == 200


def test_rate_limit_per_token_with_headers(app, client, admin, monkeypatch):
    monkeypatch.setitem(app.extensions, "halo_api_limiter", ratelimit.Limiter("3/minute", "memory://"))
    first, second = Api(client, token_for(admin, "read")), Api(client, token_for(admin, "read"))
    answers = [first.get("/teammates") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a.headers["RateLimit-Limit"] == "3" for a in answers)
    refused = answers[-1]
    assert refused.mimetype == PROBLEM and int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["type"] == "/api/v1/problems/rate-limited"
    assert second.get("/teammates").status_code == 200  # the count is per token


def test_a_rate_limit_store_that_is_down_lets_calls_through(app, client, admin, monkeypatch):
    limiter = ratelimit.Limiter("3/minute", "redis://127.0.0.1:1/0")  # nothing listens there
    monkeypatch.setitem(app.extensions, "halo_api_limiter", limiter)
    response = Api(client, token_for(admin, "read")).get("/teammates")
    assert response.status_code == 200 and "RateLimit-Limit" not in response.headers


def _api_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")
            and r.endpoint not in ("api.openapi_document", "api.reference")]


def test_every_api_rule_refuses_a_call_without_a_token_and_changes_nothing(app, client, admin):
    ticket = make_ticket()
    browser = Browser(client)
    browser.login(admin.email)  # a session is sent along: it must not count
    wrong = []
    for rule in _api_rules(app):
        values = {name: ticket.id if isinstance(conv, IntegerConverter) else "x"
                  for name, conv in rule._converters.items()}
        url = rule.build(values)[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, json={"title": "x", "body": "x"})
            if response.status_code != 401 or response.mimetype != PROBLEM:
                wrong.append(f"{method} {url}: {response.status_code}")
    assert not wrong
    assert db.session.scalar(db.select(db.func.count()).select_from(Article)) == 0


def test_a_deleted_token_is_refused(client):
    user = make_user()
    api = Api(client, token_for(user, "read"))
    db.session.execute(db.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.commit()
    assert api.get("/tickets").status_code == 401
