"""The API reference page in a real browser: the vendored Redoc renders the OpenAPI
document under the page's Content-Security-Policy (scripts only from Halo, none inline),
and nothing leaves the site: Redoc's footer asks for Redocly's logo from their CDN, which
the policy blocks (the logo hides itself), and that is the one violation allowed."""


def test_the_reference_renders_every_operation_under_its_policy(live_server, new_page):
    page = new_page()
    violations, elsewhere = [], []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    page.on("request", lambda req: elsewhere.append(req.url)
            if not req.url.startswith((live_server, "data:", "blob:")) else None)
    page.goto(live_server + "/api/v1/reference")
    page.locator("h2", has_text="List tickets").first.wait_for()
    text = page.inner_text("body")
    for title in ("Halo API", "Create a ticket", "Reply or add a note", "Merge another customer into this one"):
        assert title in text
    assert [v for v in violations if "cdn.redoc.ly/redoc/logo-mini.svg" not in v] == []
    assert [url for url in elsewhere if url != "https://cdn.redoc.ly/redoc/logo-mini.svg"] == []
