"""A person's path under the strict Content-Security-Policy: Chromium reports no violation on
the pages an agent works in, the agent socket connects, and what used to be inline script
(select all, confirm before delete, the HaloPilot box clearing itself) still works."""
from playwright.sync_api import expect

from halo.extensions import db
from halo.models import Article
from halo.services.ai import knowledge as ai_knowledge
from tests.browser.conftest import sign_in
from tests.factories import make_ticket, make_user


def _watch(page) -> list[str]:
    """Console errors and CSP violation reports the page raises."""
    seen = []
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.append(str(e)))
    return seen


def test_pages_work_under_the_policy(live_server, new_page):
    admin = make_user(email="ada@example.com", name="Ada Park", role="admin")
    tickets = [make_ticket(subject=f"Order {n}") for n in range(3)]
    article_id = ai_knowledge.create_article("Refunds", "Within 30 days.", True, admin.id).id
    db.session.commit()
    page = new_page()
    errors = _watch(page)
    violations = []
    page.expose_function("reportViolation", lambda d: violations.append(d))
    page.add_init_script("document.addEventListener('securitypolicyviolation', "
                         "e => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI))")
    sign_in(page, live_server, admin.email)
    page.wait_for_load_state()

    # Select all: every row's box follows the header's.
    page.check("#pick-all")
    for t in tickets:
        expect(page.locator(f"#ticket-row-{t.id} input[name=ticket_ids]")).to_be_checked()
    page.uncheck("#pick-all")
    expect(page.locator("#ticket-rows input[name=ticket_ids]:checked")).to_have_count(0)

    # The ticket page: the socket connects ('self' covers ws:), HaloPilot's box clears after asking.
    page.goto(f"{live_server}/tickets/{tickets[0].id}")
    expect(page.locator("#live-socket")).to_have_attribute("data-state", "live")
    page.fill("form.pilot-ask input[name=question]", "What is the plan?")
    page.click("form.pilot-ask button[type=submit]")
    expect(page.locator("#pilot-log li").first).to_be_visible()
    expect(page.locator("form.pilot-ask input[name=question]")).to_have_value("")

    for path in ("/live", "/knowledge/training", "/settings/team", "/search?q=order"):
        page.goto(live_server + path)
        page.wait_for_load_state()

    # Confirm before delete: dismissing keeps the article, accepting removes it.
    page.goto(f"{live_server}/knowledge/articles/{article_id}")
    page.once("dialog", lambda d: d.dismiss())
    page.click("form[data-confirm] button[type=submit]")
    expect(page.locator(".article-body")).to_contain_text("Within 30 days")
    db.session.expire_all()
    assert db.session.get(Article, article_id) is not None
    page.once("dialog", lambda d: d.accept())
    page.click("form[data-confirm] button[type=submit]")
    page.wait_for_url("**/knowledge/**")
    db.session.expire_all()
    assert db.session.get(Article, article_id) is None

    assert violations == [] and not [e for e in errors if "Content Security Policy" in e], (violations, errors)
