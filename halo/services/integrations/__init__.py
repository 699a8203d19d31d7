"""Integrations: how other software works with Halo.

API tokens (tokens.py) and who a token acts as (Principal), the record that makes API
writes idempotent (idempotency.py), per-token rate limits (ratelimit.py). The REST API
itself is the api blueprint: it parses, calls these and the other contexts' services,
and shapes the answer.
"""
