"""Rows a request keeps loaded across its commits.

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

A post keeps the ticket it wrote to the same way, through that one commit only: its
answer renders the composer and the new lines from it (tickets/replies.py). A column the
commit's own hooks write around the ORM is not kept but read again if asked for: a
ticket's thread_rev, which the change stamps move with an UPDATE (inbox/stamps.py).
"""
from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

_KEPT = "halo_kept"  # in Session.info: [[object, kept through every commit (else the next one)]]
_SNAPSHOT = "halo_kept_snapshot"  # [(object, its column values as committed)] until restored
_HELD = "halo_kept_held"  # rows kept through one commit, held (not weakly) for the session's life
# Columns written around the ORM by a commit's hooks, by table: never restored from a snapshot.
WRITTEN_AROUND = {"ticket": frozenset({"thread_rev"})}


def keep(session: Session, obj) -> None:
    """Keep obj's loaded columns across this session's commits (the request's teammate)."""
    _entry(session, obj)[1] = True


def keep_through_commit(session: Session, obj) -> None:
    """Keep obj's loaded columns through the session's next commit (and hold the object for
    the session's life: the identity map's references are weak), then let them expire."""
    _entry(session, obj)


def _entry(session: Session, obj) -> list:
    """obj's [object, always] in the session's kept rows (compared by identity: a model may
    define equality), added to keep through the next commit if new."""
    kept = session.info.setdefault(_KEPT, [])
    for entry in kept:
        if entry[0] is obj:
            return entry
    kept.append(entry := [obj, False])
    return entry


def forget(session: Session) -> None:
    """Stop keeping: the next commit expires every row like any other."""
    session.info.pop(_KEPT, None)
    session.info.pop(_SNAPSHOT, None)


def _snapshot(session, *_args) -> None:
    """after_commit (before the commit expires the session): note what it committed."""
    kept = session.info.get(_KEPT)
    if not kept:
        return
    snapshot, staying = [], []
    for obj, always in kept:
        state = inspect(obj)
        if state.session is not session or state.deleted or state.was_deleted or state.key is None:
            continue
        if always:
            staying.append([obj, always])
        else:
            session.info.setdefault(_HELD, []).append(obj)
        skip = WRITTEN_AROUND.get(state.mapper.local_table.name, ())
        columns = [prop.key for prop in state.mapper.column_attrs if prop.key not in skip]
        snapshot.append((obj, {key: state.dict[key] for key in columns if key in state.dict}))
    session.info[_KEPT], session.info[_SNAPSHOT] = staying, snapshot


def _restore(session, transaction) -> None:
    """after_transaction_end: put the committed values back, as loaded (no statement).
    A row kept through one commit is let go of at a rollback too."""
    if transaction.parent is not None or transaction.nested:
        return
    if kept := session.info.get(_KEPT):
        session.info[_KEPT] = [entry for entry in kept if entry[1]]
    for obj, values in session.info.pop(_SNAPSHOT, None) or ():
        if inspect(obj).session is not session:
            continue
        for key, value in values.items():
            set_committed_value(obj, key, value)


# Installed by create_app (services/transactions/hooks.py).
HOOKS = (("after_commit", _snapshot), ("after_transaction_end", _restore))
