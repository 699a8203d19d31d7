"""A person's path in Chromium: turning on two-factor sign-in from the QR page, then signing
in with the password and a code; and a forgotten password, reset through the link that
arrives by real SMTP at a local mail sink."""
import re
from datetime import timedelta, timezone

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.email_support import sink  # noqa: F401
from tests.factories import make_user


def _code(secret: str, at) -> str:
    return pyotp.TOTP(secret.replace(" ", "")).at(at.replace(tzinfo=timezone.utc))


def test_enrol_then_sign_in_with_a_code(live_server, new_page, frozen):
    ada = make_user(email="ada@example.com", name="Ada Park")
    page = new_page()
    sign_in(page, live_server, ada.email)
    page.click("text=Profile")
    page.click("#profile-two-factor a")
    qr = page.locator("svg.totp-qr")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150 and box["height"] >= 150  # big enough for a phone to scan
    secret = page.inner_text("#totp-secret")
    assert len(secret.replace(" ", "")) == 32
    page.fill("input[name=code]", _code(secret, frozen.start))
    page.click("text=Turn on two-factor sign-in")
    codes = page.locator("#recovery-codes code")
    expect(codes).to_have_count(10)
    page.click("text=Done")
    page.click("text=Sign out")

    frozen(frozen.start + timedelta(seconds=30))
    page.fill("input[name=email]", ada.email)
    page.fill("input[name=password]", "password123")
    page.click("button[type=submit]")
    page.wait_for_url("**/login/two-factor")
    page.fill("input[name=code]", "000000")
    page.click("button[type=submit]")
    expect(page.locator(".flash-error")).to_contain_text("That code is not right")
    page.fill("input[name=code]", _code(secret, frozen.start + timedelta(seconds=30)))
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/open")
    expect(page.locator(".me-name")).to_contain_text("Ada Park")


@pytest.fixture
def base_url(app, live_server, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_BASE_URL", live_server)
    return live_server


def test_forgotten_password_reset_by_the_emailed_link(live_server, new_page, sink, base_url):  # noqa: F811
    make_user(email="ben@example.com", name="Ben Cho")
    page = new_page()
    page.goto(live_server + "/login")
    page.click("text=Forgot your password?")
    page.fill("input[name=email]", "ben@example.com")
    page.click("button[type=submit]")
    page.wait_for_url("**/login")
    expect(page.locator(".flash")).to_contain_text("If an account uses that address")

    assert sink.captured.wait_for(1)
    [mail] = sink.captured.messages()
    assert mail["To"] == "ben@example.com"
    link = re.search(r"(http://\S+/reset/\S+)", mail.get_content()).group(1)
    assert link.startswith(live_server + "/reset/")
    page.goto(link)
    page.fill("input[name=password]", "a-new-password")
    page.fill("input[name=confirm]", "a-new-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/login")
    expect(page.locator(".flash")).to_contain_text("Your password is changed")
    sign_in(page, live_server, "ben@example.com", "a-new-password")
    # The link was spent.
    page.goto(link)
    expect(page.locator(".flash-error")).to_contain_text("expired or was already used")
