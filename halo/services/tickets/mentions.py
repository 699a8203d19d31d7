"""@mentions in internal notes: who is mentioned, their unread Mentions view and the
notification each mention brings (read together with the mention, on the ticket)."""
import re
from datetime import datetime

from sqlalchemy import func, select, update

from halo.extensions import db
from halo.models import Mention, MentionCounter, Message, Notification, Ticket, User
from halo.services.access import scope as access_scope
from halo.services.inbox import mention_counts, stamps
from halo.services.tickets.notifications import notify

MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9_.-]{0,59})")


def mentioned_users(body: str) -> list[User]:
    """Active teammates whose @handle appears in body, each once."""
    handles = {m.rstrip(".").lower() for m in MENTION.findall(body)}
    if not handles:
        return []
    return db.session.scalars(
        db.select(User).where(func.lower(User.handle).in_(handles), User.active.is_(True))
        .order_by(User.id)).all()


def record_mentions(note: Message, author_id: int | None, ticket: Ticket | None = None) -> list[User]:
    """Create an unread mention and a notification for each teammate named in the note who
    sees its ticket (no commit): a teammate of another inbox is not told of a ticket they
    cannot open. ticket: the note's, when the caller holds it (else it is read).

    A note that names nobody reads nothing more; the reads of one that does flush nothing,
    so the note and its mentions are inserted by the commit's one flush."""
    with db.session.no_autoflush:
        named = [u for u in mentioned_users(note.body_text) if u.id != author_id]
        if not named:
            return []
        if ticket is not None:
            inbox_id, subject = ticket.inbox_id, ticket.subject
        else:
            inbox_id, subject = db.session.execute(
                select(Ticket.inbox_id, Ticket.subject).where(Ticket.id == note.ticket_id)
                .execution_options(halo_unscoped=True)).one()
        users = [u for u in named if access_scope.user_sees_inbox(u.id, inbox_id)]
        author = db.session.get(User, author_id) if author_id is not None and users else None
    for user in users:
        db.session.add(Mention(user_id=user.id, ticket_id=note.ticket_id, message=note,
                               created_at=note.created_at))
        notify(user.id, note.ticket_id, "mention",
               f"{author.name if author else 'Halo AI'} mentioned you on “{subject}”", note.created_at)
    return users


def team_handles() -> frozenset[str]:
    """The active teammates' handles, lower-cased (a note's @mentions of them are marked)."""
    return frozenset(h.lower() for h in db.session.scalars(
        select(User.handle).where(User.active.is_(True), User.handle.is_not(None))))


def mention_spans(text: str, handles: frozenset[str]) -> list[tuple[int, int]]:
    """Where text names a teammate (start and end of each "@handle")."""
    spans = []
    for match in MENTION.finditer(text):
        handle = match.group(1).rstrip(".")
        if handle.lower() in handles:
            spans.append((match.start(), match.start() + 1 + len(handle)))
    return spans


def mark_mentions_read(ticket_id: int, user_id: int, now: datetime) -> int:
    """The user has seen the ticket: clear their unread mentions there; returns how many."""
    unread = (Mention.ticket_id == ticket_id, Mention.user_id == user_id, Mention.read_at.is_(None))
    # Nearly every view has nothing to clear. An UPDATE takes SQLite's one write lock even
    # when it matches no row, so concurrent ticket views queued behind each other; a read
    # through ix_mention_user_unread decides first, and the page's objects stay loaded.
    if db.session.scalar(select(Mention.id).where(*unread).limit(1)) is None:
        return 0
    result = db.session.execute(update(Mention).where(*unread).values(read_at=now))
    db.session.execute(update(Notification).where(  # the mention's notification goes with it
        Notification.user_id == user_id, Notification.ticket_id == ticket_id,
        Notification.kind == "mention", Notification.read_at.is_(None)).values(read_at=now))
    mention_counts.read_all(db.session, user_id, ticket_id)  # an UPDATE skips the hooks
    stamps.bump(db.session, "inbox")  # the Mentions view's rows (likewise)
    db.session.commit()
    return result.rowcount


def unread_mention_count(user_id: int) -> int:
    """Tickets with an unread mention of the user (the sidebar badge)."""
    return db.session.scalar(
        db.select(func.sum(MentionCounter.n)).where(MentionCounter.user_id == user_id)) or 0
