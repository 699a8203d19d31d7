"""/ws/agent: pushes HTML fragments (htmx ws extension, out-of-band swaps) to agents."""
import secrets
import time
from urllib.parse import urlsplit

from flask import current_app, request
from flask_login import current_user

from halo import realtime
from halo.blueprints.live import bp, fragments
from halo.blueprints.live.shared import memo
from halo.blueprints.wsutil import CLIENT, Sender, bind, drain, origin, parse
from halo.extensions import db, sock
from halo.services.access import scope as access_scope
from halo.services.inbox.views import VIEWS
from halo.services.tickets import presence

TYPING_SHOWN = 6.0  # seconds a "typing" signal stays visible without a new one
# Events that change nothing an inbox row or count shows (a reply's delivery state, a
# visitor coming or going), and nothing the Live table shows (delivery).
INBOX_QUIET = ("delivery", "presence", "csat")  # a survey offered changes no list
LIVE_QUIET = ("delivery",)


@bp.before_request
def _same_origin():
    """Only Halo's own pages may open the agent socket (the session cookie rides along)."""
    if request.endpoint == "live.socket" and urlsplit(origin()).netloc != request.host.lower():
        return "Cross-site agent sockets are refused.", 403
    return None


@sock.route("/ws/agent", bp=bp)
def socket(ws):
    hello = parse(ws.receive(timeout=30)) or {}
    page = AgentPage(ws, current_user.id, current_user.name, hello)
    with realtime.subscribe(page.topics()) as sub:
        page.start()
        db.session.remove()
        bind(ws, sub)
        try:
            page.loop(sub)
        finally:
            if page.ticket_id:
                presence.leave(page.ticket_id, page.user_id, page.conn)
            db.session.remove()


def _id(value) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


class AgentPage:
    """What one agent's open page shows and which events it needs."""

    def __init__(self, ws, user_id, name, hello):
        self.out, self.ws = Sender(ws), ws
        self.user_id, self.name = user_id, name
        # Presence is per page, not per person: one of two tabs closing, or a dropped
        # socket's late "left" arriving after its replacement's "viewing", must not hide anyone.
        self.conn = secrets.token_hex(8)
        # A ticket this agent does not see is not subscribed to: no lines, no presence.
        self.ticket_id = _id(hello.get("ticket"))
        if self.ticket_id and not access_scope.can_see_ticket(user_id, self.ticket_id):
            self.ticket_id = None
        self.last_id = _id(hello.get("after")) or 0
        self.view = hello.get("view") if hello.get("view") in VIEWS else None
        self.live = bool(hello.get("live"))
        self.reconnect = bool(hello.get("reconnect"))
        # The inbox stamp the page was rendered with: rows changed between the render and
        # this subscription would otherwise be missed until the next reconnect.
        self.stamp = str(hello.get("stamp") or "")
        self.viewers: dict[str, tuple[int, str]] = {}  # other pages on this ticket: conn -> (user, name)
        self.typers: dict[int, float] = {}
        self.visitor_typing_until = 0.0
        self.clock = time.monotonic  # tests move it
        self.next_beat = self.clock() + presence.BEAT

    def topics(self) -> list[str]:
        # Every agent page has the sidebar counts, so every page hears "inbox".
        topics = [f"ticket:{self.ticket_id}"] if self.ticket_id else []
        return topics + ["inbox", f"user:{self.user_id}"] + (["live"] if self.live else [])

    def start(self):
        """Catch up on what the page missed, then say we are here."""
        if self.ticket_id:
            # A page that has just rendered has current controls: re-sending them now would
            # swap the status or assignee select under an agent's first click. A change
            # made since the render writes an event line, which brings the header anyway.
            self.push_ticket(header_when_quiet=self.reconnect)
            # Who is here comes from the store (a page that opens later says "viewing" on
            # the bus, which this page already hears): after a reconnect, it replaces what
            # this page knew.
            self.viewers = {conn: who for conn, who in presence.viewers(self.ticket_id).items()
                            if who[0] != self.user_id}
            self.push_presence()
            self.beat("viewing")
        if self.view and (self.reconnect or self.stamp != fragments.inbox_stamp()):
            self.out.text(fragments.inbox_page(self.view, self.user_id,
                                               current_app.config["HALO_PAGE_SIZE"]))
        else:  # fresh counts (missed while away) also tell the page it is subscribed
            self.out.text(fragments.inbox_update(None, self.view, self.user_id))
        if self.live:
            self.out.text(fragments.live_rows())

    def loop(self, sub):
        while True:
            item = sub.get(timeout=self._next_expiry())
            if item is CLIENT:
                for frame in drain(self.ws):
                    self.on_frame(parse(frame) or {})
            elif item is not None:
                # Seen as the agent's teams and inboxes stand now: a ticket moved out of
                # their inboxes, or a team they left, leaves this page at the next event.
                with access_scope.opened(self.user_id):
                    self.on_event(*item)
                db.session.remove()
            elif not self.ws.connected:
                return
            self.expire_typing()
            self.keep_presence()

    def push_ticket(self, also=None, header_when_quiet=True, event=None):
        """The thread lines after last_id (rendered once per event for pages alike)."""
        args = (self.ticket_id, self.user_id, self.last_id, also, header_when_quiet)
        if event is None:
            html, self.last_id = fragments.thread_items(*args)
        else:
            html, self.last_id = memo.once(event, ("thread",) + args,
                                           lambda: fragments.thread_items(*args))
        self.out.text(html)

    def on_event(self, topic, payload):
        kind = payload.get("type")
        if kind == realtime.RESYNC:  # the bus was away: events may be lost; redraw it all
            self.reconnect = True
            self.start()
        elif topic == "inbox":
            if kind not in INBOX_QUIET:
                self.on_inbox(payload)
        elif topic == "live":
            if kind not in LIVE_QUIET:
                self.on_live(payload)
        elif topic == f"user:{self.user_id}":
            if kind == "notification":  # the badge, and what a desktop notification says
                self.out.text(fragments.notification(payload.get("notification_id"), self.user_id))
        elif not self.ticket_id or topic != f"ticket:{self.ticket_id}":
            return  # the page's ticket left this agent's sight
        elif not access_scope.can_see_ticket(self.user_id, self.ticket_id):
            self.ticket_gone()
        elif kind in ("viewing", "here", "left", "typing", "visitor_typing"):
            self.on_presence(kind, payload)
        elif kind == "draft":
            if payload.get("user_id") == self.user_id:  # a draft is for whoever asked for it
                html = fragments.ai_draft(payload.get("draft_id"), self.ticket_id)
                if html:
                    self.out.text(html)
        elif kind == "pilot":
            html = fragments.pilot_answer(payload.get("answer_id"), self.ticket_id)
            if html:
                self.out.text(html)
        else:
            self.push_ticket(also=payload.get("message_id"), event=payload)

    def ticket_gone(self):
        """The ticket moved to an inbox this agent does not see: its page empties and hears
        nothing more of it."""
        presence.leave(self.ticket_id, self.user_id, self.conn)
        self.out.text(fragments.ticket_gone(self.ticket_id))
        self.ticket_id = None

    def on_inbox(self, payload):
        """The changed ticket's row where this page lists the view, and the counts."""
        ticket_id = payload.get("ticket_id") if self.view else None  # no list: counts only
        if ticket_id and payload.get("type") != "inbox" and not access_scope.can_see_ticket(
                self.user_id, ticket_id):
            ticket_id = None  # not a row of this agent's: not even its id (a move out of sight
            # is the one change that removes a row they had)
        key = ("inbox", ticket_id, self.view, self.user_id)  # the counts are the agent's own
        self.out.text(memo.once(payload, key, lambda: fragments.inbox_update(
            ticket_id, self.view, self.user_id)))

    def on_live(self, payload):
        """The changed chat's row of the Live table (the same for every agent)."""
        ticket_id = payload.get("ticket_id")
        if not isinstance(ticket_id, int):
            return self.out.text(fragments.live_rows())
        # Pages alike are those that see the same inboxes.
        key = ("live", ticket_id, access_scope.scope_key())
        self.out.text(memo.once(payload, key, lambda: fragments.live_row(ticket_id)))

    def on_presence(self, kind, payload):
        uid, conn = payload.get("user_id"), payload.get("conn") or str(payload.get("user_id"))
        name = payload.get("name") or "A teammate"
        if kind == "visitor_typing":
            self.visitor_typing_until = self.clock() + TYPING_SHOWN if payload.get("active", True) else 0
        elif uid == self.user_id:
            return
        elif kind in ("viewing", "here"):
            if self.viewers.get(conn) == (uid, name):  # a heartbeat: nothing to redraw
                return
            self.viewers[conn] = (uid, name)
        elif kind == "left":  # the page closed, or the presence-expiry job found it silent
            self.viewers.pop(conn, None)
            if all(v[0] != uid for v in self.viewers.values()):
                self.typers.pop(uid, None)
        elif kind == "typing":
            self.viewers.setdefault(conn, (uid, name))
            self.typers[uid] = self.clock() + TYPING_SHOWN if payload.get("active", True) else 0
        self.push_presence()

    def announce(self, kind, **data):
        presence.announce(self.ticket_id, kind, user_id=self.user_id, name=self.name,
                          conn=self.conn, **data)

    def beat(self, kind="here"):
        """Renew this page's viewing in the presence store (and say so on the bus)."""
        presence.heartbeat(self.ticket_id, self.user_id, self.name, self.conn, kind)

    def push_presence(self):
        now = self.clock()
        typers = {uid for uid, until in self.typers.items() if until > now}
        viewers = {uid: name for uid, name in self.viewers.values()}
        self.out.text(fragments.presence(self.ticket_id, viewers, typers,
                                         self.visitor_typing_until > now))

    def keep_presence(self):
        """Renew this page's viewing every presence.BEAT (the expiry job drops silent pages)."""
        if not self.ticket_id:
            return
        now = self.clock()
        if now >= self.next_beat:
            self.next_beat = now + presence.BEAT
            self.beat()

    def expire_typing(self):
        now = self.clock()
        expired = [uid for uid, until in self.typers.items() if until and until <= now]
        if self.visitor_typing_until and self.visitor_typing_until <= now:
            self.visitor_typing_until = 0
            expired.append(None)
        for uid in expired:
            self.typers.pop(uid, None)
        if expired and self.ticket_id:
            self.push_presence()

    def _next_expiry(self) -> float:
        deadlines = [t for t in self.typers.values() if t] + (
            [self.visitor_typing_until] if self.visitor_typing_until else []) + (
            [self.next_beat] if self.ticket_id else [])
        return max(0.05, min(deadlines) - self.clock()) if deadlines else 30

    def on_frame(self, data):
        if data.get("type") == "view":  # the page's list now shows another view, or a filtered one
            view = data.get("view")
            self.view = view if view in VIEWS else None
            return
        if data.get("type") == "typing" and self.ticket_id and access_scope.can_see_ticket(
                self.user_id, self.ticket_id):
            self.announce("typing", active=bool(data.get("active", True)))
