"""Playwright driving Debian's Chromium (CI installs it; see .ci/run)."""
import os

import pytest

CHROMIUM = os.environ.get("HALO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium):
    """Open pages in separate contexts (separate cookies: separate people)."""
    contexts = []

    def make(viewport=None):
        context = chromium.new_context(viewport=viewport or {"width": 1280, "height": 860})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()
    yield make
    for context in contexts:
        context.close()


def sign_in(page, base, email, password="password123"):
    """Fill the login form like a person."""
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/open")
