"""Articles and saved replies through the API: create, read, update the fields given,
delete; refusals say why and write nothing."""
from halo.extensions import db
from halo.models import Article, SavedReply


def test_article_lifecycle(api_agent, api_admin, agent):
    made = api_agent.post("/articles", json={"title": "Refunds", "body": "Within **30** days."})
    assert made.status_code == 201
    article = made.get_json()
    assert article["body_html"] == "<p>Within <strong>30</strong> days.</p>"
    assert article["author"]["id"] == agent.id and article["published"] is False
    assert api_agent.patch(f"/articles/{article['id']}", json={"title": "Refunds (EU)"}).status_code == 200
    refused = api_agent.patch(f"/articles/{article['id']}", json={"published": True})
    assert refused.status_code == 403 and "publish" in refused.get_json()["detail"]
    patched = api_admin.patch(f"/articles/{article['id']}", json={"published": True}).get_json()
    assert patched["published"] is True and patched["title"] == "Refunds (EU)"
    assert [a["id"] for a in api_agent.get("/articles?published=true").get_json()["data"]] == [article["id"]]
    assert [a["id"] for a in api_agent.get("/articles?q=refunds").get_json()["data"]] == [article["id"]]
    assert api_agent.delete(f"/articles/{article['id']}").status_code == 403  # published: policy
    assert api_admin.delete(f"/articles/{article['id']}").status_code == 204
    assert api_agent.get(f"/articles/{article['id']}").status_code == 404


def test_article_bad_input_writes_nothing(api_agent):
    for body in ({"title": ""}, {"title": "x" * 201}, {"title": "Ok", "published": "sometimes"},
                 {"title": "Ok", "author": 3}):
        response = api_agent.post("/articles", json=body)
        assert response.status_code == 422, body
        assert response.get_json()["errors"][0]["pointer"].startswith("#/")
    assert db.session.scalar(db.select(db.func.count()).select_from(Article)) == 0


def test_saved_reply_lifecycle_and_unique_titles(api_agent):
    made = api_agent.post("/saved-replies", json={"title": "Thanks", "body": "Thank you, {customer.first_name}!"})
    assert made.status_code == 201
    reply_id = made.get_json()["id"]
    clash = api_agent.post("/saved-replies", json={"title": "thanks", "body": "Again"})
    assert clash.status_code == 422 and "already exists" in clash.get_json()["detail"]
    assert clash.get_json()["type"] == "/api/v1/problems/rule-violation"
    assert api_agent.patch(f"/saved-replies/{reply_id}", json={"body": "Cheers!"}).get_json()["body"] == "Cheers!"
    assert api_agent.get(f"/saved-replies/{reply_id}").get_json()["title"] == "Thanks"
    assert api_agent.delete(f"/saved-replies/{reply_id}").status_code == 204
    assert api_agent.delete(f"/saved-replies/{reply_id}").status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(SavedReply)) == 0
