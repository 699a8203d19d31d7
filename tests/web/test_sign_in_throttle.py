"""Sign-in throttling through the real sign-in form: per account and per address, a ladder
of windows (backoff), 429 with Retry-After, the right password refused while blocked;
counts shared through Redis when scaled out, and kept in memory when Redis fails."""
import os
from datetime import timedelta

import pytest
from limits import parse_many
from limits.storage import storage_from_string

from halo.extensions import db
from halo.models import AuditEvent
from halo.services.accounts.throttle import Throttle, _network
from tests.conftest import TOKEN

RIGHT = "password123"


def _token(client):
    return TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)


def _try(client, email, password, address="127.0.0.1"):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": _token(client)},
                       environ_base={"REMOTE_ADDR": address})


def _actions():
    db.session.expire_all()
    return [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]


def test_five_wrong_passwords_then_even_the_right_one_waits(client, admin, frozen):
    frozen(frozen.start.replace(second=10))
    for _ in range(5):
        assert _try(client, admin.email, "guess").status_code == 401
    refused = _try(client, admin.email, RIGHT)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "50"  # the minute's window ends at :00
    assert "Too many sign-in attempts" in refused.get_data(as_text=True)
    assert client.get("/inbox/open").status_code == 302  # not signed in
    for _ in range(3):  # hammering the form: refused, and noted once in the audit log
        assert _try(client, admin.email, RIGHT).status_code == 429
    frozen(frozen.start + timedelta(minutes=1))
    assert _try(client, admin.email, RIGHT).status_code == 302
    assert client.get("/inbox/open").status_code == 200
    assert _actions() == ["sign_in_failed"] * 5 + ["sign_in_throttled", "sign_in"]


def test_who_keeps_guessing_waits_longer_each_time(client, admin, frozen):
    """5 a minute, 10 a quarter hour, 20 an hour: each step of the ladder waits longer."""
    start = frozen.start  # 09:00:00, where every window of the ladder starts

    def guess_until_blocked(minutes):
        frozen(start + timedelta(minutes=minutes))
        wrong = 0
        while _try(client, admin.email, "guess").status_code == 401:
            wrong += 1
        return wrong, int(_try(client, admin.email, RIGHT).headers["Retry-After"])

    assert guess_until_blocked(0) == (5, 60)
    assert guess_until_blocked(1) == (5, 14 * 60)  # 10 this quarter hour: until 09:15
    assert guess_until_blocked(2) == (0, 13 * 60)
    assert guess_until_blocked(15) == (5, 60)
    assert guess_until_blocked(16) == (5, 44 * 60)  # 20 this hour: until 10:00
    frozen(start + timedelta(hours=1))
    assert _try(client, admin.email, RIGHT).status_code == 302


def test_a_success_clears_the_accounts_counts(client, admin, frozen):
    for _ in range(4):
        _try(client, admin.email, "guess")
    assert _try(client, admin.email, RIGHT).status_code == 302
    client.post("/logout", data={"csrf_token": _token_signed_in(client)})
    for _ in range(4):
        assert _try(client, admin.email, "guess").status_code == 401
    assert _try(client, admin.email, RIGHT).status_code == 302


def _token_signed_in(client):
    return TOKEN.search(client.get("/knowledge/training").get_data(as_text=True)).group(1)


def test_an_unknown_address_is_throttled_like_a_real_one(client, admin, frozen):
    answers = []
    for email in (admin.email, "nobody@example.com"):
        answers.append([_try(client, email, "guess", address="192.0.2.7").status_code for _ in range(6)])
    assert answers[0] == answers[1] == [401] * 5 + [429]


def test_one_address_guessing_many_accounts_is_stopped_others_are_not(client, admin, frozen):
    for n in range(30):
        assert _try(client, f"user{n}@example.com", "guess", address="198.51.100.4").status_code == 401
    blocked = _try(client, admin.email, RIGHT, address="198.51.100.4")
    assert blocked.status_code == 429 and 0 < int(blocked.headers["Retry-After"]) <= 60
    assert _try(client, admin.email, RIGHT, address="198.51.100.5").status_code == 302


def test_ipv6_clients_are_counted_by_their_64():
    assert _network("2001:db8:1:2:aaaa::1") == _network("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert _network("2001:db8:1:3::1") != _network("2001:db8:1:2::1")
    assert _network("::ffff:203.0.113.9") == "203.0.113.9"
    assert _network("not an address") == "unknown"


def test_the_two_factor_step_is_throttled_too(client, frozen):
    from tests.web.test_two_factor import enrolled_user, password_step
    user, _ = enrolled_user()
    password_step(client, user)
    token = _token(client)
    for _ in range(5):
        assert client.post("/login/two-factor", data={"code": "000000", "csrf_token": token}).status_code == 401
    assert client.post("/login/two-factor", data={"code": "000000", "csrf_token": token}).status_code == 429


@pytest.fixture
def redis_storage_uri():
    uri = os.environ.get("HALO_TEST_REDIS_URL")
    if not uri:
        pytest.skip("HALO_TEST_REDIS_URL is not set (needs a real Redis)")
    storage = storage_from_string(uri)
    storage.reset()
    yield uri
    storage.reset()


def test_scaled_out_processes_share_the_counts_through_redis(redis_storage_uri, frozen):
    """Two throttles (two processes' worth) on one Redis: failures on one block the other."""
    limits = parse_many("5/minute"), parse_many("30/minute")
    first = Throttle(storage_from_string(redis_storage_uri), *limits)
    second = Throttle(storage_from_string(redis_storage_uri), *limits)
    now = frozen.start.replace(second=30)
    for _ in range(3):
        first.failed("ada@example.com", "203.0.113.1", now)
    for _ in range(2):
        second.failed("ada@example.com", "203.0.113.2", now)
    assert first.wait("ada@example.com", "203.0.113.3", now) == 30
    assert second.wait("ben@example.com", "203.0.113.3", now) == 0
    assert second.wait("ada@example.com", "203.0.113.3", now + timedelta(seconds=30)) == 0


def test_when_redis_fails_counting_goes_on_in_memory(frozen):
    dead = Throttle(storage_from_string("redis://127.0.0.1:1/0"), parse_many("2/minute"), parse_many("9/minute"))
    now = frozen.start
    assert dead.wait("ada@example.com", "203.0.113.1", now) == 0
    dead.failed("ada@example.com", "203.0.113.1", now)
    dead.failed("ada@example.com", "203.0.113.1", now)
    assert dead.wait("ada@example.com", "203.0.113.1", now) == 60
