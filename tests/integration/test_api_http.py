"""The API over real HTTP against a served Halo (werkzeug's server on a port, httpx as the
client): tokens, pages of tickets, problem documents, the OpenAPI document."""
import httpx
import pytest

from halo.services.integrations import tokens
from tests.factories import make_ticket


@pytest.fixture
def http(live_server, admin):
    secret = tokens.create_token(admin.id, "HTTP test", "admin")[1]
    with httpx.Client(base_url=live_server + "/api/v1", timeout=10,
                      headers={"Authorization": f"Bearer {secret}"}) as client:
        yield client


def test_list_and_page_tickets_over_http(http):
    made = [make_ticket(subject=f"Order {n}").id for n in range(5)]
    seen, params = [], {"limit": 2}
    while True:
        page = http.get("/tickets", params=params)
        assert page.status_code == 200 and page.headers["content-type"] == "application/json"
        assert int(page.headers["ratelimit-remaining"]) >= 0
        seen += [t["id"] for t in page.json()["data"]]
        if page.json()["next_cursor"] is None:
            break
        params["cursor"] = page.json()["next_cursor"]
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    one = http.get(f"/tickets/{made[0]}").json()
    assert one["subject"] == "Order 0"
    thread = http.get(f"/tickets/{made[0]}/messages").json()["data"]
    assert thread[0]["kind"] == "customer"


def test_problems_over_http(http, live_server):
    bad = http.get("/tickets", params={"status": "bogus"})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["parameter"] == "status"
    malformed = http.post("/articles", content=b'{"title": ', headers={"content-type": "application/json"})
    assert malformed.status_code == 400 and "not valid JSON" in malformed.json()["detail"]
    anonymous = httpx.get(live_server + "/api/v1/tickets")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
    nowhere = http.get("/no-such-thing")
    assert nowhere.status_code == 404 and nowhere.headers["content-type"] == "application/problem+json"


def test_openapi_document_over_http(live_server):
    doc = httpx.get(live_server + "/api/v1/openapi.json").json()
    assert "/api/v1/tickets" in doc["paths"]
