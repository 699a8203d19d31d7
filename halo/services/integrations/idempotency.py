"""Idempotency-Key: a POST retried with the same key is answered as the first time, and
done once.

The key is claimed (a row, unique per token and key, committed) before the request runs,
and the answer is stored on it after; the same key with the same request (method, path,
body) then gets the stored answer. The same key with a different request is refused, and
so is a retry while the first is still running. An answer that says "try again" (a 5xx,
409, 429) is not kept: the claim is dropped, so the retry runs. Keys are kept a day.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from halo import clock
from halo.extensions import db
from halo.models import IdempotencyKey

KEEP = timedelta(hours=24)
MAX_KEY = 255
RETRYABLE = {409, 429}
REPLAYED_HEADERS = ("Content-Type", "Location")


@dataclass(frozen=True)
class Stored:
    status: int
    body: bytes
    headers: dict


class KeyReused(Exception):
    """The key came with another request."""


class StillRunning(Exception):
    """The key's first request has not answered yet."""


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path and body (as JSON, key order aside)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), canonical])).hexdigest()


def claim(token_id: int, key: str, print_: str, now: datetime | None = None) -> tuple[int | None, Stored | None]:
    """Claim key for a new request: (claim id, None); or (None, the stored answer) to replay.
    Raises KeyReused or StillRunning."""
    now = now or clock.now()
    row = IdempotencyKey(token_id=token_id, key=key, fingerprint=print_, created_at=now)
    db.session.add(row)
    try:
        db.session.commit()
        return row.id, None
    except IntegrityError:
        db.session.rollback()
    found = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.token_id == token_id,
                                                           IdempotencyKey.key == key))
    if found is None:  # it expired between the two statements: a new request after all
        return claim(token_id, key, print_, now)
    if found.created_at < now - KEEP:
        db.session.delete(found)
        db.session.commit()
        return claim(token_id, key, print_, now)
    if found.fingerprint != print_:
        raise KeyReused()
    if found.status_code is None:
        raise StillRunning()
    return None, Stored(found.status_code, (found.response_body or "").encode(),
                        json.loads(found.response_headers or "{}"))


def finish(claim_id: int, status: int, body: bytes, headers) -> None:
    """Keep the answer for replays, or drop the claim when the answer invites a retry."""
    db.session.rollback()  # whatever the request left unfinished is not part of its answer
    row = db.session.get(IdempotencyKey, claim_id)
    if row is None:
        return
    if status >= 500 or status in RETRYABLE:
        db.session.delete(row)
    else:
        row.status_code = status
        row.response_body = body.decode("utf-8", "replace")
        row.response_headers = json.dumps({k: headers[k] for k in REPLAYED_HEADERS if k in headers})
    db.session.commit()


def prune(now: datetime | None = None) -> int:
    """Forget keys older than a day; returns how many."""
    cutoff = (now or clock.now()) - KEEP
    gone = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)).rowcount
    db.session.commit()
    return gone
