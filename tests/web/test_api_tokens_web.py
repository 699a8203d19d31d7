"""Settings > API tokens: the secret is shown once, on the answer to the form; last use and
revoke; agents have personal tokens only."""
import re

from halo.extensions import db
from halo.models import ApiToken
from halo.services.integrations.tokens import create_token

SECRET = re.compile(r'<code class="token-secret">(halo_(?:pat|bot)_[A-Za-z0-9_-]+)</code>')


def _make(browser, **form):
    return browser.post("/settings/api-tokens", {"name": "CRM sync", "scope": "read", **form})


def test_a_new_token_is_shown_once_and_works(as_agent, client):
    made = _make(as_agent)
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(made.get_data(as_text=True)).group(1)
    assert secret.startswith("halo_pat_")
    page = as_agent.get("/settings/api-tokens").get_data(as_text=True)
    assert secret not in page and "CRM sync" in page and "Never" in page
    answer = client.get("/api/v1/teammates", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
    assert "Never" not in as_agent.get("/settings/api-tokens").get_data(as_text=True)


def test_revoke_from_settings(as_agent, client):
    secret = SECRET.search(_make(as_agent).get_data(as_text=True)).group(1)
    token = db.session.scalar(db.select(ApiToken))
    assert as_agent.post(f"/settings/api-tokens/{token.id}/revoke").status_code == 303
    assert "Revoked" in as_agent.get("/settings/api-tokens").get_data(as_text=True)
    assert client.get("/api/v1/teammates", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_an_agent_cannot_make_a_workspace_token_or_revoke_anothers(as_agent, admin):
    refused = _make(as_agent, kind="workspace")
    assert refused.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
    theirs, _ = create_token(admin.id, "Admin's", "admin")
    assert as_agent.post(f"/settings/api-tokens/{theirs.id}/revoke").status_code == 404
    assert db.session.get(ApiToken, theirs.id).revoked_at is None


def test_an_admin_makes_a_workspace_token(as_admin):
    made = _make(as_admin, kind="workspace", scope="write")
    assert SECRET.search(made.get_data(as_text=True)).group(1).startswith("halo_bot_")
    token = db.session.scalar(db.select(ApiToken))
    assert token.kind == "workspace" and token.user_id is None and token.scope == "write"


def test_a_bad_form_says_why_and_makes_nothing(as_agent):
    response = _make(as_agent, name="", scope="everything")
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
