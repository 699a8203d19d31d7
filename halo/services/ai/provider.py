"""The language model: any OpenAI-compatible chat-completions endpoint, or none at all.

OPENAI_BASE_URL / OPENAI_API_KEY / HALO_AI_MODEL choose it. Every call has a timeout
and a bounded number of retries, and a stream has an overall deadline, so a dead or
slow provider becomes a ProviderError with a message an agent can read, never a hang.
"""
import logging
import time
from collections.abc import Iterator

from flask import current_app
from flask_babel import gettext

from halo.services.errors import HaloError

log = logging.getLogger(__name__)

# Seconds per request (connect + each read), retries after the first try, and the
# longest a whole streamed answer may take. halo.cfg may override each.
DEFAULTS = {"HALO_AI_TIMEOUT": 30.0, "HALO_AI_RETRIES": 2, "HALO_AI_STREAM_SECONDS": 120.0}


class ProviderError(HaloError):
    """The provider is down, slow or refused: nothing was changed."""
    status_code = 503


def _cfg(key):
    return current_app.config.get(key, DEFAULTS.get(key))


def configured() -> bool:
    """True when a provider is set; otherwise the offline assistant answers."""
    return bool(_cfg("OPENAI_BASE_URL") or _cfg("OPENAI_API_KEY"))


def model_name() -> str:
    """The model Halo asks for."""
    return _cfg("HALO_AI_MODEL") or "gpt-4o-mini"


def _sdk():
    """The openai package, imported at the first call to a model: its client and types hold
    ~19 MB that a web worker of a team without AI, or one that never drafts, does not need."""
    import openai
    return openai


def _client():
    # Local servers (Ollama, llama.cpp) need no key, but the client insists on one.
    return _sdk().OpenAI(api_key=_cfg("OPENAI_API_KEY") or "not-needed",
                         base_url=_cfg("OPENAI_BASE_URL") or None,
                         timeout=float(_cfg("HALO_AI_TIMEOUT")),
                         max_retries=int(_cfg("HALO_AI_RETRIES")))


def _explain(exc: Exception) -> ProviderError:
    """Turn a client exception into a message for the agent."""
    openai = _sdk()
    if isinstance(exc, openai.APITimeoutError):
        text = f"The AI provider did not answer within {float(_cfg('HALO_AI_TIMEOUT')):g} seconds."
    elif isinstance(exc, openai.APIConnectionError):
        text = "The AI provider could not be reached."
    elif isinstance(exc, openai.APIStatusError):
        text = f"The AI provider returned an error (HTTP {exc.status_code})."
    else:
        text = f"The AI provider failed: {type(exc).__name__}."
    log.warning("AI provider error: %r", exc)
    return ProviderError(text)


def complete(messages: list[dict], max_tokens: int = 800) -> str:
    """One whole answer; raises ProviderError."""
    sdk = _sdk()
    try:
        response = _client().chat.completions.create(
            model=model_name(), messages=messages, max_tokens=max_tokens, temperature=0.2)
    except sdk.OpenAIError as exc:
        raise _explain(exc) from exc
    text = (response.choices[0].message.content or "") if response.choices else ""
    if not text.strip():
        raise ProviderError(gettext("The AI provider returned an empty answer."))
    return text


def stream(messages: list[dict], max_tokens: int = 800) -> Iterator[str]:
    """Yield the answer in pieces as the provider writes it; raises ProviderError."""
    deadline = time.monotonic() + float(_cfg("HALO_AI_STREAM_SECONDS"))
    sdk = _sdk()
    try:
        chunks = _client().chat.completions.create(
            model=model_name(), messages=messages, max_tokens=max_tokens, temperature=0.3,
            stream=True)
        with chunks:
            for chunk in chunks:
                if time.monotonic() > deadline:
                    raise ProviderError(gettext("The AI provider took too long to finish its answer."))
                delta = chunk.choices[0].delta.content if chunk.choices else None
                if delta:
                    yield delta
    except sdk.OpenAIError as exc:
        raise _explain(exc) from exc
