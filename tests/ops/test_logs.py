"""Logs: request ids in and out, JSON lines, the banner with passwords masked, `halo version`."""
import io
import json
import logging

import pytest

import halo
from halo import create_app, logs
from halo.cli.ops import version_command
from halo.services.ops import health


def test_a_request_id_is_kept_when_given_and_made_when_not(client):
    given = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c.42"})
    assert given.headers["X-Request-ID"] == "lb-7f3a9c.42"
    made = client.get("/healthz")
    other = client.get("/healthz")
    assert len(made.headers["X-Request-ID"]) == 32 and made.headers["X-Request-ID"] != other.headers["X-Request-ID"]


@pytest.mark.parametrize("bad", ["has space", "x" * 129, "new\\nline", "<script>", ""])
def test_a_request_id_that_is_not_one_is_replaced(client, bad):
    sent = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
    assert sent != bad and len(sent) == 32


def _capture(app, fmt):
    """A handler shaped like the configured one, writing into a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter(fmt))
    handler.addFilter(logs.RequestIdFilter())
    return stream, handler


def test_log_lines_carry_the_request_id_as_text_and_as_json(app):
    for fmt in ("text", "json"):
        stream, handler = _capture(app, fmt)
        log = logging.getLogger("halo.test.requestid")
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        try:
            with app.test_request_context("/healthz", headers={"X-Request-ID": "abc-123"}):
                app.preprocess_request()
                log.info("inside a request")
            log.info("outside")
        finally:
            log.removeHandler(handler)
        lines = stream.getvalue().splitlines()
        if fmt == "json":
            inside, outside = (json.loads(line) for line in lines)
            assert inside["request_id"] == "abc-123" and inside["message"] == "inside a request"
            assert inside["level"] == "INFO" and inside["logger"] == "halo.test.requestid" and "time" in inside
            assert outside["request_id"] == "-"
        else:
            assert "INFO halo.test.requestid [abc-123] inside a request" in lines[0]
            assert "[-] outside" in lines[1]


def test_bad_log_settings_are_a_clear_error():
    with pytest.raises(ValueError, match="HALO_LOG_LEVEL='LOUD'"):
        logs.validate("loud", "text")
    with pytest.raises(ValueError, match="HALO_LOG_FORMAT='xml': choose text or json"):
        logs.validate("INFO", "xml")


def test_the_banner_says_where_things_listen_and_masks_passwords(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "REDIS_URL": "redis://:r3dis-pw@127.0.0.1:1/2",
                      "HALO_QUEUE": "sync",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://halo:db-pw@db:5432/halo"})
    text = "\n".join(logs.banner(app, "web server", web="http://0.0.0.0:8000/", smtp="0.0.0.0:2525"))
    assert f"Halo {halo.__version__} starting: web server" in text
    assert "web: http://0.0.0.0:8000/" in text and "SMTP receiver: 0.0.0.0:2525" in text
    assert "database: postgresql+psycopg://halo:***@db:5432/halo" in text
    assert "event bus: Redis redis://:***@127.0.0.1:1/2" in text and "queue: synchronous" in text
    assert "db-pw" not in text and "r3dis-pw" not in text
    app.extensions["halo_bus"].stop()


def test_mask_url_leaves_urls_without_passwords_alone():
    assert logs.mask_url("sqlite:////srv/halo/instance/halo.db") == "sqlite:////srv/halo/instance/halo.db"
    assert logs.mask_url("redis://cache:6379/0") == "redis://cache:6379/0"
    assert logs.mask_url("rediss://user:pw@cache:6380/0") == "rediss://user:***@cache:6380/0"


def test_version_prints_the_release_and_the_schema(app):
    out = app.test_cli_runner().invoke(version_command).output
    assert out.splitlines() == [f"Halo {halo.__version__}", f"schema: {health.schema_head()} (up to date)"]
