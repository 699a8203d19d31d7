"""The OpenAPI document: valid OpenAPI 3.1, generated from the same models the views use,
naming every API route; and its reference page, whose script is vendored and not inline."""
import re

from openapi_spec_validator import validate

from halo.blueprints.api.docs import IDEMPOTENCY

DOCS = {"api.openapi_document", "api.reference"}


def _document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(client):
    doc = _document(client)
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_api_route_and_method_is_in_the_document(client, app):
    paths = _document(client)["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in DOCS:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []
    assert not [p for p in paths if not p.startswith("/api/v1/")]


def test_the_document_describes_what_the_views_check(client):
    doc = _document(client)
    listing = doc["paths"]["/api/v1/tickets"]["get"]
    limit = next(p for p in listing["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 100  # the same Field that refuses limit=101
    article_in = doc["components"]["schemas"]["ArticleIn"]
    assert article_in["additionalProperties"] is False  # unknown fields are refused
    problem = listing["responses"]["400"]["content"]
    assert list(problem) == ["application/problem+json"]
    assert "RateLimit-Remaining" in listing["responses"]["200"]["headers"]
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            assert operation["security"] if "security" in operation else doc["security"]
            if method == "post":
                assert IDEMPOTENCY in operation["parameters"], path


def test_the_document_and_reference_need_no_token(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/reference").status_code == 200


def test_the_reference_page_loads_only_vendored_scripts_and_no_inline_script(client):
    page = client.get("/api/v1/reference")
    html = page.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(body.strip() == "" for _, body in scripts)
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts]
    assert all(src.startswith("/static/vendor/redoc-") for src in sources)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert 'spec-url="/api/v1/openapi.json"' in html
    for src in sources:
        asset = client.get(src)
        assert asset.status_code == 200 and b"Redoc" in asset.data[:2000]
