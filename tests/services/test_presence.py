"""Viewing presence is a heartbeat with an expiry: a page that stops renewing (its process
crashed) is dropped by the presence-expiry job, which says "left" on the bus for it. Both
stores: this process's dict, and Redis (HALO_TEST_REDIS_URL) where every process sees it."""
import os
import secrets
from datetime import timedelta

import pytest
from redis import Redis

from halo import realtime
from halo.services.tickets import presence

T = 42  # a ticket id: presence stores no rows, so none needs to exist


@pytest.fixture(params=["memory", "redis"])
def store(request, app, monkeypatch):
    """The app's presence store replaced by a fresh one of each kind."""
    if request.param == "memory":
        fresh = presence.MemoryStore()
    else:
        url = os.environ.get("HALO_TEST_REDIS_URL")
        if not url:
            pytest.skip("HALO_TEST_REDIS_URL is not set (needs a real Redis)")
        redis = Redis.from_url(url)
        prefix = f"halo:test-presence:{secrets.token_hex(4)}:"
        fresh = presence.RedisStore(redis, prefix)
        request.addfinalizer(lambda: [redis.delete(k) for k in redis.scan_iter(prefix + "*")])
    monkeypatch.setitem(app.extensions, "halo_presence", fresh)
    return fresh


def heard(sub) -> list[tuple]:
    out = []
    while (item := sub.get(0)) is not None:
        out.append((item[1]["type"], item[1].get("conn")))
    return out


def test_a_viewer_whose_process_stopped_heartbeating_expires(store, frozen):
    with realtime.subscribe([f"ticket:{T}"]) as sub:
        presence.heartbeat(T, 7, "Ben", "ben-page", "viewing")
        presence.heartbeat(T, 8, "Cleo", "cleo-page", "viewing")
        assert presence.viewers(T) == {"ben-page": (7, "Ben"), "cleo-page": (8, "Cleo")}
        frozen(frozen.start + timedelta(seconds=presence.BEAT))
        presence.heartbeat(T, 8, "Cleo", "cleo-page")  # Cleo's page beats; Ben's process is gone
        frozen(frozen.start + timedelta(seconds=presence.TTL - 1))
        assert presence.expire() == 0  # Ben is not late yet
        frozen(frozen.start + timedelta(seconds=presence.TTL))
        assert presence.viewers(T) == {"cleo-page": (8, "Cleo")}  # a new page no longer sees him
        assert presence.expire() == 1
        assert heard(sub)[-1] == ("left", "ben-page")  # open pages drop him
        assert presence.expire() == 0  # said once
        frozen(frozen.start + timedelta(seconds=presence.BEAT + presence.TTL))
        assert presence.expire() == 1 and presence.viewers(T) == {}


def test_a_page_that_closes_leaves_at_once(store, frozen):
    with realtime.subscribe([f"ticket:{T}"]) as sub:
        presence.heartbeat(T, 7, "Ben", "ben-page", "viewing")
        presence.heartbeat(T, 7, "Ben", "ben-tab-2", "viewing")
        presence.leave(T, 7, "ben-page")
        assert presence.viewers(T) == {"ben-tab-2": (7, "Ben")}  # his other tab still views
        assert heard(sub) == [("viewing", "ben-page"), ("viewing", "ben-tab-2"), ("left", "ben-page")]
        frozen(frozen.start + timedelta(seconds=presence.TTL))
        assert presence.expire() == 1  # the closed page is not expired a second time


def test_viewers_are_per_ticket(store, frozen):
    presence.heartbeat(T, 7, "Ben", "a", "viewing")
    presence.heartbeat(T + 1, 8, "Cleo", "b", "viewing")
    assert presence.viewers(T) == {"a": (7, "Ben")} and presence.viewers(T + 1) == {"b": (8, "Cleo")}
