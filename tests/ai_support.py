"""Fixtures for AI tests: the local provider wired into the app, a synchronous queue."""
import pytest

from halo.queue import SyncQueue
from tests.ai_server import AIServer


@pytest.fixture
def ai_server(app):
    """A running local provider, configured as the app's OpenAI endpoint (restored after)."""
    server = AIServer().start()
    saved = {k: app.config.get(k) for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "HALO_AI_TIMEOUT", "HALO_AI_RETRIES")}
    app.config.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="test-key",
                      HALO_AI_TIMEOUT=5, HALO_AI_RETRIES=0)
    yield server
    server.stop()
    app.config.update(saved)


@pytest.fixture
def offline(app):
    """No provider configured: the offline assistant answers."""
    saved = {k: app.config.get(k) for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY")}
    app.config.update(OPENAI_BASE_URL="", OPENAI_API_KEY="")
    yield
    app.config.update(saved)


@pytest.fixture
def ai_queue(app):
    """Run jobs at once in the caller, then restore the app's queue."""
    old = app.extensions["halo_queue"]
    app.extensions["halo_queue"] = queue = SyncQueue(app)
    yield queue
    app.extensions["halo_queue"] = old
