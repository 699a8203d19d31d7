"""Two server processes sharing one Redis behave as one: a reply sent through B reaches a widget on A."""
import http.cookiejar
import os
import urllib.parse
import urllib.request

import pytest

from halo.extensions import db
from halo.models import Message
from halo.services.settings import set_setting
from tests.conftest import TOKEN
from tests.factories import make_user

from .chat_helpers import Widget

REDIS = os.environ.get("HALO_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS, reason="HALO_TEST_REDIS_URL is not set (needs a real Redis)")


def _agent_session(base, email):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = TOKEN.search(opener.open(base + "/login").read().decode()).group(1)
    opener.open(base + "/login", urllib.parse.urlencode(
        {"email": email, "password": "password123", "csrf_token": token}).encode())
    return opener


def test_reply_through_one_process_reaches_a_widget_on_the_other(two_servers):
    a, b = two_servers
    set_setting("widget_allowed_origins", [a, b])
    agent = make_user()
    widget = Widget(a)
    widget.send({"type": "send", "client_id": "c-1", "body": "Hello from process A"})
    ticket_id = db.session.get(Message, widget.until("ack")["id"]).ticket_id

    opener = _agent_session(b, agent.email)
    page = opener.open(f"{b}/tickets/{ticket_id}").read().decode()
    opener.open(f"{b}/tickets/{ticket_id}/messages", urllib.parse.urlencode(
        {"mode": "chat", "body": "Answered via process B",
         "csrf_token": TOKEN.search(page).group(1)}).encode())
    got = widget.until("message", timeout=10, body="Answered via process B")
    assert got["from"] == "team"
    widget.close()
