"""The widget's rate limits, called directly: windows per identifier, several windows at
once, limits read when checked, a clear error for a limit that does not parse, and a
Redis that is down letting frames through rather than closing every chat."""
import pytest

from halo import create_app
from halo.services.chat.throttle import Throttle


def test_each_identifier_has_its_own_windows(app):
    app.config["HALO_WIDGET_VISITOR_LIMIT"] = "3 per hour"
    limits = Throttle()
    assert [limits.allow("HALO_WIDGET_VISITOR_LIMIT", "visitor", "a") for _ in range(4)] == \
        [True, True, True, False]
    assert limits.allow("HALO_WIDGET_VISITOR_LIMIT", "visitor", "b")  # another visitor
    assert limits.allow("HALO_WIDGET_ADDRESS_LIMIT", "visitor", "a")  # another limit
    limits.reset()
    assert limits.allow("HALO_WIDGET_VISITOR_LIMIT", "visitor", "a")


def test_every_window_of_a_setting_must_allow_and_changes_apply_at_once(app):
    app.config["HALO_WIDGET_ADDRESS_LIMIT"] = "5 per hour; 2 per minute"
    limits = Throttle()
    assert [limits.allow("HALO_WIDGET_ADDRESS_LIMIT", "address", "10.0.0.1") for _ in range(3)] == \
        [True, True, False]
    app.config["HALO_WIDGET_ADDRESS_LIMIT"] = "100 per hour"
    assert limits.allow("HALO_WIDGET_ADDRESS_LIMIT", "address", "10.0.0.1")


def test_a_limit_that_does_not_parse_stops_the_start_with_its_name(monkeypatch, tmp_path):
    monkeypatch.setenv("HALO_WIDGET_HELLO_LIMIT", "lots")
    with pytest.raises(ValueError, match="HALO_WIDGET_HELLO_LIMIT='lots' is not a rate limit"):
        create_app({"TESTING": True, "SECRET_KEY": "x",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


def test_a_redis_that_is_down_lets_frames_through(app):
    app.config["HALO_WIDGET_VISITOR_LIMIT"] = "1 per hour"
    limits = Throttle("redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert all(limits.allow("HALO_WIDGET_VISITOR_LIMIT", "visitor", "a") for _ in range(3))
