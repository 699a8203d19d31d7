"""Inboxes: the channels that feed each, the inbox a new ticket starts in, moving a ticket.

A new email ticket starts in the inbox of the address it was written to (To, Cc, then
the envelope), else the inbox of the IMAP mailbox it was polled from, else the default
inbox; a chat starts in the inbox the widget feeds (Settings › Inboxes), else the
default. The default inbox is the oldest one; a workspace always has one (a ticket
flushed without an inbox gets it, and it is made when missing).
"""
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import bindparam, func, insert, literal_column, select, union_all
from sqlalchemy.exc import IntegrityError

from halo import clock
from halo.extensions import db
from halo.models import (
    Inbox,
    InboxAddress,
    Mailbox,
    Message,
    SenderAddress,
    Team,
    Ticket,
)
from halo.services import events
from halo.services.access import roles
from halo.services.access.scope import (
    require_ticket,
    user_sees_inbox,
    visible_inbox_ids,
)
from halo.services.errors import NotFound, ValidationError
from halo.services.settings import get_setting, set_setting

DEFAULT_NAME = "Support"
NAME_CHARS = 80


def default_inbox_id(session=None) -> int:
    """The oldest inbox's id, made ("Support") when the workspace has none.

    Read once per transaction (kept in session.info, forgotten at its end or when an
    inbox is deleted): the ingest of a batch of mail asks for it once, not per ticket."""
    session = session or db.session
    inbox_id = session.info.get("halo_default_inbox")
    if inbox_id is not None:
        return inbox_id
    oldest = select(func.min(Inbox.id)).execution_options(halo_unscoped=True)
    inbox_id = session.scalar(oldest)
    if inbox_id is None:
        # Several first requests may make it at once (two widget sockets of a fresh install):
        # the unique name lets one win; the others read the winner's.
        try:
            with session.begin_nested():
                inbox = Inbox(name=DEFAULT_NAME, signature="", created_at=clock.now())
                session.add(inbox)
            inbox_id = inbox.id
        except IntegrityError:
            inbox_id = session.scalar(oldest)
    session.info["halo_default_inbox"] = inbox_id
    return inbox_id


def _fill_inbox(session, _ctx, _instances) -> None:
    """before_flush: a new ticket without an inbox starts in the default one (the counters'
    hook, after this one, needs the id: one given as an object is copied now)."""
    if any(isinstance(obj, Inbox) for obj in session.deleted):
        session.info.pop("halo_default_inbox", None)  # it may be the one going
    new = []
    for obj in session.new:
        if isinstance(obj, Ticket) and obj.inbox_id is None:
            given = obj.__dict__.get("inbox")
            if given is not None and given.id is not None:
                obj.inbox_id = given.id
            elif given is None:
                new.append(obj)
    if not new:
        return
    inbox_id = session.info.get("halo_default_inbox")
    if inbox_id is None:
        # Core on the flush's own connection: nothing autoflushes, and a flush cannot nest.
        conn = session.connection()
        inbox_id = conn.scalar(select(func.min(Inbox.id)))
        if inbox_id is None:
            inbox_id = conn.scalar(insert(Inbox).values(
                name=DEFAULT_NAME, signature="", created_at=clock.now()).returning(Inbox.id))
        session.info["halo_default_inbox"] = inbox_id
    for ticket in new:
        ticket.inbox_id = inbox_id


def _forget_default(session, *_args) -> None:
    session.info.pop("halo_default_inbox", None)


def _transaction_ended(session, transaction) -> None:
    """The outermost transaction ended (a close ends one without commit or rollback); a
    flush's own inner transaction ending keeps the memo."""
    if transaction.parent is None:
        _forget_default(session)


def _owners_statement():
    """(address, inbox id) of the inboxes owning any of :wanted, an inbox's own address
    first, then an IMAP mailbox's user name: one statement, built once (building one
    costs more than running it)."""
    wanted = bindparam("wanted", expanding=True)
    owners = union_all(
        select(InboxAddress.address.label("address"), InboxAddress.inbox_id.label("inbox_id"),
               literal_column("0").label("rank")).where(InboxAddress.address.in_(wanted)),
        select(func.lower(Mailbox.username), Mailbox.inbox_id, literal_column("1")).where(
            Mailbox.inbox_id.is_not(None), func.lower(Mailbox.username).in_(wanted))).subquery()
    return select(owners.c.address, owners.c.inbox_id).order_by(owners.c.rank)


_OWNERS = _owners_statement()


def inbox_for_email(addresses) -> int:
    """The inbox a new email ticket starts in: the first recipient address an inbox owns,
    else the inbox of the IMAP mailbox the mail was addressed to (its user name), else
    the default."""
    wanted = [a.strip().lower() for a in addresses if a and "@" in a]
    if wanted:
        owned = {}
        # Callers ask before they add the ticket's rows, and nothing pending can change who
        # owns an address: no flush of half a ticket (each flush runs every flush hook).
        with db.session.no_autoflush:
            for address, inbox_id in db.session.execute(_OWNERS, {"wanted": wanted}):
                owned.setdefault(address.lower(), inbox_id)
        for address in wanted:
            if address in owned:
                return owned[address]
    return default_inbox_id()


def inbox_for_chat() -> int:
    """The inbox the chat widget feeds."""
    inbox_id = get_setting("chat_inbox_id")
    if inbox_id and db.session.get(Inbox, inbox_id) is not None:
        return inbox_id
    return default_inbox_id()


def list_inboxes() -> list[Inbox]:
    """Every inbox, by name."""
    return list(db.session.scalars(select(Inbox).order_by(Inbox.name)))


def inbox_names() -> dict[int, str]:
    """id -> name of every inbox (ticket pages name theirs)."""
    return dict(db.session.execute(select(Inbox.id, Inbox.name)).all())


def get_inbox(inbox_id) -> Inbox:
    inbox = db.session.get(Inbox, inbox_id) if isinstance(inbox_id, int) else None
    if inbox is None:
        raise NotFound(gettext("That inbox does not exist."))
    return inbox


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(gettext("Give the inbox a name."))
    if len(name) > NAME_CHARS:
        raise ValidationError(gettext("An inbox name has at most %(NAME_CHARS)s characters.", NAME_CHARS=NAME_CHARS))
    return name


def _clean_addresses(text: str) -> list[str]:
    found = []
    for part in (text or "").replace(",", "\n").split():
        address = part.strip().lower()
        if not address:
            continue
        if address.count("@") != 1 or "." not in address.split("@")[1] or len(address) > 254:
            raise ValidationError(gettext("“%(part)s” is not an email address.", part=part))
        if address not in found:
            found.append(address)
    return found


def save_inbox(actor_id: int, inbox_id: int | None, *, name: str, addresses: str = "",
               sender_address_id: int | None = None, signature: str = "",
               auto_assign: bool | None = None, team_ids=(), chat: bool = False,
               mailbox_ids=None) -> Inbox:
    """Create (inbox_id None) or change an inbox: its name, the addresses and IMAP
    mailboxes whose new mail starts tickets in it, its sender address, signature,
    auto-assign rule, teams, and whether the chat widget feeds it."""
    roles.require(actor_id, "admin")
    inbox = Inbox(signature="", created_at=clock.now()) if inbox_id is None else get_inbox(inbox_id)
    inbox.name = _clean_name(name)
    clash = db.session.scalar(select(Inbox.id).where(Inbox.name == inbox.name, Inbox.id != (inbox_id or 0)))
    if clash:
        raise ValidationError(gettext("There is already an inbox called “%(name)s”.", name=inbox.name))
    wanted = _clean_addresses(addresses)
    taken = db.session.execute(select(InboxAddress.address, Inbox.name).join(Inbox)
                               .where(InboxAddress.address.in_(wanted), Inbox.id != (inbox_id or 0))).first()
    if taken:
        raise ValidationError(gettext("%(value)s already starts tickets in “%(value2)s”.", value=taken[0], value2=taken[1]))
    if sender_address_id is not None and db.session.get(SenderAddress, sender_address_id) is None:
        raise ValidationError(gettext("Choose a sender address from the list."))
    teams = [db.session.get(Team, i) for i in team_ids]
    if any(t is None for t in teams):
        raise ValidationError(gettext("Choose teams from the list."))
    inbox.sender_address_id, inbox.signature = sender_address_id, (signature or "")[:5000]
    inbox.auto_assign, inbox.teams = auto_assign, teams
    keep = {a.address: a for a in inbox.addresses}
    inbox.addresses = [keep.get(a) or InboxAddress(address=a) for a in wanted]
    if inbox_id is None:
        db.session.add(inbox)
    db.session.flush()
    if mailbox_ids is not None:
        for mailbox in db.session.scalars(select(Mailbox)):
            if mailbox.id in mailbox_ids:
                mailbox.inbox_id = inbox.id
            elif mailbox.inbox_id == inbox.id:
                mailbox.inbox_id = None
    if chat:
        db.session.commit()
        set_setting("chat_inbox_id", inbox.id)
    elif get_setting("chat_inbox_id") == inbox.id:
        db.session.commit()
        set_setting("chat_inbox_id", None)
    db.session.commit()
    return inbox


def delete_inbox(actor_id: int, inbox_id: int) -> None:
    """Remove an empty inbox (its tickets must be moved first; the last inbox stays)."""
    roles.require(actor_id, "admin")
    inbox = get_inbox(inbox_id)
    if db.session.scalar(select(func.count()).select_from(Inbox)) <= 1:
        raise ValidationError(gettext("A workspace keeps at least one inbox."))
    if db.session.scalar(select(Ticket.id).where(Ticket.inbox_id == inbox.id)
                         .execution_options(halo_unscoped=True).limit(1)) is not None:
        raise ValidationError(gettext("“%(name)s” still holds tickets: move them to another inbox first.", name=inbox.name))
    db.session.delete(inbox)
    db.session.commit()


def move_ticket(ticket_id: int, inbox_id: int, actor_id: int | None,
                now: datetime | None = None) -> Message | None:
    """Move a ticket to another inbox, with an event line; None when it is already there.

    The actor must see the ticket and the target inbox: an agent can hand a ticket to an
    inbox they see, and it leaves the sight (pages, sockets) of whoever does not see it."""
    roles.require(actor_id, "work")
    require_ticket(ticket_id)
    ticket = db.session.get(Ticket, ticket_id)
    target = get_inbox(inbox_id)
    if actor_id is not None and not user_sees_inbox(actor_id, target.id):
        raise NotFound(gettext("That inbox does not exist."))
    if ticket.inbox_id == target.id:
        return None
    old = db.session.get(Inbox, ticket.inbox_id)
    event = Message(ticket_id=ticket.id, kind="event", event_type="inbox", author_id=actor_id,
                    event_data={"from": ticket.inbox_id, "to": target.id,
                                "from_name": old.name if old else "", "to_name": target.name},
                    created_at=now or clock.now())
    ticket.inbox_id = target.id
    db.session.add(event)
    events.ticket_changed(ticket.id, "inbox", chat=ticket.channel == "chat")
    db.session.commit()
    return event


def visible_inboxes(user_id: int) -> list[Inbox]:
    """The inboxes a teammate sees (and can move a ticket to), by name."""
    ids = visible_inbox_ids(user_id)
    return [i for i in list_inboxes() if ids is None or i.id in ids]


# Installed by create_app (services/transactions/hooks.py), before the counters' hook.
HOOKS = (("before_flush", _fill_inbox), ("after_commit", _forget_default),
         ("after_rollback", _forget_default), ("after_transaction_end", _transaction_ended))
