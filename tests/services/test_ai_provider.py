"""The real openai client against a local OpenAI-compatible server: answers, streams, errors."""
import pytest

from halo.services.ai import provider as ai_provider
from tests.ai_support import ai_server  # noqa: F401

MESSAGES = [{"role": "system", "content": "rules"}, {"role": "user", "content": "hi"}]


def test_complete_and_stream(ai_server):
    ai_server.reply = "Hello there, how can I help you today?"
    assert ai_provider.complete(MESSAGES) == "Hello there, how can I help you today?"
    pieces = list(ai_provider.stream(MESSAGES))
    assert len(pieces) > 1 and "".join(pieces) == "Hello there, how can I help you today?"
    assert ai_server.requests[-1]["stream"] is True and ai_server.requests[-1]["model"]


def test_http_error_is_a_clear_provider_error(ai_server):
    ai_server.reply = ("error", 503)
    with pytest.raises(ai_provider.ProviderError, match="HTTP 503"):
        ai_provider.complete(MESSAGES)
    with pytest.raises(ai_provider.ProviderError):
        list(ai_provider.stream(MESSAGES))


def test_slow_provider_times_out(app, ai_server):
    ai_server.reply = ("hang",)
    app.config["HALO_AI_TIMEOUT"] = 0.3
    with pytest.raises(ai_provider.ProviderError, match="did not answer within"):
        ai_provider.complete(MESSAGES)


def test_unreachable_provider(app, ai_server):
    app.config["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1"
    with pytest.raises(ai_provider.ProviderError, match="could not be reached"):
        ai_provider.complete(MESSAGES)


def test_bounded_retries(app, ai_server):
    ai_server.reply = ("error", 500)
    app.config["HALO_AI_RETRIES"] = 2
    with pytest.raises(ai_provider.ProviderError):
        ai_provider.complete(MESSAGES)
    assert len(ai_server.requests) == 3
