"""The signed-in teammate stays loaded across a request's commits.

Every request reads its teammate once, at the start (users.signed_in_user). A commit
expires everything the session holds, so the first look at current_user after a write
(its id for the counts, its role for the composer, its time zone) read the same row
again: one more statement on every write, for values the request already had. So the
session keeps that one object's loaded columns through a commit: what it held when the
commit succeeded is what the database holds (a change the request made to it went out
in the commit's flush), as of the request's start for anyone else's change, which is
what every request without a write sees too. Nothing writes teammate rows around the
ORM; if something did, it would expire the object itself (session.expire) or use
forget().
"""
from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from halo.models import User

_KEPT = "halo_kept_user"  # in Session.info: the object kept
_SNAPSHOT = "halo_kept_snapshot"  # its column values as committed, until the expiry is undone


def keep(session: Session, user: User) -> None:
    """Keep user's loaded columns across this session's commits (the request's teammate)."""
    session.info[_KEPT] = user


def forget(session: Session) -> None:
    """Stop keeping: the next commit expires the teammate like any other object."""
    session.info.pop(_KEPT, None)
    session.info.pop(_SNAPSHOT, None)


def _snapshot(session, *_args) -> None:
    """after_commit (before the commit expires the session): note what it committed."""
    user = session.info.get(_KEPT)
    if user is None:
        return
    state = inspect(user)
    if state.session is not session or state.deleted or state.was_deleted or state.key is None:
        session.info.pop(_KEPT, None)
        return
    columns = state.mapper.column_attrs.keys()
    session.info[_SNAPSHOT] = {key: state.dict[key] for key in columns if key in state.dict}


def _restore(session, transaction) -> None:
    """after_transaction_end: put the committed values back, as loaded (no statement)."""
    if transaction.parent is not None or transaction.nested:
        return
    values = session.info.pop(_SNAPSHOT, None)
    user = session.info.get(_KEPT)
    if not values or user is None or inspect(user).session is not session:
        return
    for key, value in values.items():
        set_committed_value(user, key, value)


# Installed by create_app (services/session_hooks.py).
HOOKS = (("after_commit", _snapshot), ("after_transaction_end", _restore))
