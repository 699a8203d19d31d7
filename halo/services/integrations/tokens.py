"""API tokens: made (the secret shown once), stored as a SHA-256, checked, revoked.

A personal token acts as its teammate: their role and inboxes decide what it sees and
may do, and its scope can only narrow that (an agent's "admin" token is an agent's).
A workspace (bot) token is made by an admin for the whole workspace: it sees every
inbox, and whatever it writes in a thread names the teammate it writes for.
Tokens never sign in to pages, and session cookies never authenticate the API: the
api blueprint reads only the Authorization header, the pages only the session.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select, update

from halo import clock
from halo.extensions import db
from halo.models import ApiToken, User
from halo.models.integrations import TOKEN_KINDS, TOKEN_SCOPES
from halo.services.errors import Forbidden, NotFound, ValidationError

PREFIXES = {"personal": "halo_pat_", "workspace": "halo_bot_"}
SCOPE_RANK = {scope: n for n, scope in enumerate(TOKEN_SCOPES)}
# last_used_at is written at most this often per token: a busy integration must not turn
# every read into a write.
TOUCH_EVERY = timedelta(minutes=1)
MAX_NAME = 80


@dataclass(frozen=True)
class Principal:
    """Who an API call acts as: the token, its scope, and the teammate behind it (None for
    a workspace token)."""
    token_id: int
    kind: str
    scope: str
    user_id: int | None
    is_admin: bool
    limit_key: str  # the token's own random prefix: counts never carry over to a reused id

    def allows(self, needed: str) -> bool:
        """Whether the token's scope covers needed (read < write < admin)."""
        return SCOPE_RANK[self.scope] >= SCOPE_RANK[needed]

    @property
    def sees_everything(self) -> bool:
        """Workspace tokens and admins' tokens see every inbox."""
        return self.user_id is None or self.is_admin


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(creator_id: int, name: str, scope: str, kind: str = "personal",
                 now: datetime | None = None) -> tuple[ApiToken, str]:
    """Make a token; returns it and its secret, which is never stored or shown again."""
    creator = db.session.get(User, creator_id)
    if creator is None or not creator.active:
        raise NotFound(gettext("That teammate does not exist."))
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(gettext("Name the token after what will use it."))
    if len(name) > MAX_NAME:
        raise ValidationError(gettext("Keep the name under %(MAX_NAME)s characters.", MAX_NAME=MAX_NAME))
    if kind not in TOKEN_KINDS:
        raise ValidationError(gettext("A token is %(join)s, not %(kind)s.", join=' or '.join(TOKEN_KINDS), kind=f'{kind!r}'))
    if scope not in TOKEN_SCOPES:
        raise ValidationError(gettext("A token's scope is one of %(join)s, not %(scope)s.", join=', '.join(TOKEN_SCOPES), scope=f'{scope!r}'))
    if (kind == "workspace" or scope == "admin") and not creator.is_admin:
        raise Forbidden(gettext("Only an admin can make workspace tokens or tokens with the admin scope."))
    secret = PREFIXES[kind] + secrets.token_urlsafe(32)
    token = ApiToken(kind=kind, name=name, scope=scope, created_by_id=creator_id,
                     user_id=creator_id if kind == "personal" else None,
                     prefix=secret[:len(PREFIXES[kind]) + 6], token_hash=_digest(secret),
                     created_at=now or clock.now())
    db.session.add(token)
    db.session.commit()
    return token, secret


def authenticate(secret: str, now: datetime | None = None) -> Principal | None:
    """The principal a bearer secret stands for, or None (unknown, revoked, owner deactivated)."""
    if not secret or not secret.startswith(tuple(PREFIXES.values())) or len(secret) > 200:
        return None
    row = db.session.execute(_BY_HASH, {"digest": _digest(secret)}).first()
    if row is None:
        return None
    token, user = row
    if token.revoked_at is not None or (token.kind == "personal" and (user is None or not user.active)):
        return None
    now = now or clock.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return Principal(token.id, token.kind, token.scope, token.user_id,
                     is_admin=token.kind == "workspace" or bool(user and user.is_admin),
                     limit_key=f"{token.id}:{token.prefix}")


_BY_HASH = (select(ApiToken, User).outerjoin(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == db.bindparam("digest")))


def visible_tokens(user_id: int) -> list[ApiToken]:
    """The teammate's own tokens, and every workspace token when they are an admin."""
    user = db.session.get(User, user_id)
    query = select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
    if user is not None and user.is_admin:
        query = query.where((ApiToken.user_id == user_id) | (ApiToken.kind == "workspace"))
    else:
        query = query.where(ApiToken.user_id == user_id)
    return list(db.session.scalars(query))


def revoke_token(token_id: int, actor_id: int, now: datetime | None = None) -> ApiToken:
    """End a token at once (its owner, or an admin for workspace tokens)."""
    token = db.session.get(ApiToken, token_id)
    actor = db.session.get(User, actor_id)
    if token is None or actor is None:
        raise NotFound(gettext("That token does not exist."))
    if token.user_id != actor_id and not (actor.is_admin and token.kind == "workspace"):
        raise NotFound(gettext("That token does not exist."))
    if token.revoked_at is None:
        token.revoked_at = now or clock.now()
        db.session.commit()
    return token
