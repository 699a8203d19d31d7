"""/ws/widget: the visitor's socket (protocol in docs/widget-protocol.md)."""
import time

from flask import current_app, url_for
from simple_websocket import ConnectionClosed

from halo import realtime
from halo.blueprints.access import public
from halo.blueprints.widget import bp
from halo.blueprints.wsutil import CLIENT, Sender, bind, drain, origin, own_origin, parse
from halo.extensions import db, sock
from halo.services import chat
from halo.services.errors import HaloError
from halo.services.settings import get_setting
from halo.services.tickets import presence

POLICY_VIOLATION = 1008


@bp.before_request
def _check_origin():
    """Refuse the handshake (HTTP 403) from a site the workspace did not allow."""
    from flask import request
    if request.endpoint != "widget.socket":
        return None
    allowed = {o.rstrip("/").lower() for o in get_setting("widget_allowed_origins") or []}
    if origin() and (origin() in allowed or origin() == own_origin()):
        return None
    return "This site may not open the chat widget.", 403


class RateLimit:
    """A token bucket per connection: bursts are fine, floods are not."""

    def __init__(self, per_second: float, burst: int):
        self.rate, self.burst = per_second, burst
        self.tokens, self.at = float(burst), time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@sock.route("/ws/widget", bp=bp)
@public
def socket(ws):
    out = Sender(ws)
    hello = parse(ws.receive(timeout=current_app.config["HALO_WIDGET_HELLO_TIMEOUT"]))
    if not hello or hello.get("type") != "hello":
        return ws.close(POLICY_VIOLATION, "expected hello")
    workspace = get_setting("widget_workspace")
    if workspace and hello.get("workspace") != workspace:
        return ws.close(POLICY_VIOLATION, "unknown workspace")
    visitor, token = chat.open_visitor(hello.get("token"))
    conn = Conversation(ws, out, visitor.id, visitor.ticket_id, _int(hello.get("last_id")))
    out.json({"type": "welcome", "token": token, "visitor": visitor.id})
    with realtime.subscribe(conn.topics()) as sub:
        conn.sub = sub
        chat.visitor_connected(visitor.id, +1)
        try:
            conn.catch_up()
            db.session.remove()  # nothing holds a connection while the socket idles
            bind(ws, sub)
            conn.loop()
        finally:
            chat.visitor_connected(visitor.id, -1)
            db.session.remove()


def _int(value) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


class Conversation:
    """One widget connection's state: its visitor, ticket and the last id it was sent."""

    def __init__(self, ws, out, visitor_id, ticket_id, last_id):
        self.ws, self.out, self.sub = ws, out, None
        self.visitor_id, self.ticket_id, self.last_id = visitor_id, ticket_id, last_id
        cfg = current_app.config
        self.limit = RateLimit(cfg["HALO_WIDGET_RATE"], cfg["HALO_WIDGET_BURST"])
        self.typing_at = 0.0

    def topics(self) -> list[str]:
        return [f"ticket:{self.ticket_id}"] if self.ticket_id else []

    def loop(self):
        while True:
            item = self.sub.get(timeout=30)
            if item is CLIENT:
                for frame in drain(self.ws):
                    self.on_frame(frame)
            elif item is not None:
                self.on_event(*item)
            elif not self.ws.connected:
                return

    def catch_up(self):
        """Send everything after last_id, page by page: the same path serves connect,
        reconnect, pushes and a bus that reconnected after missing events."""
        while True:
            page = chat.messages_after(self.visitor_id, self.last_id)
            for message in page:
                self.out.json(chat.widget_json(message, _avatar_url))
                self.last_id = message.id
            if len(page) < chat.PAGE:
                return

    def on_event(self, _topic, payload):
        kind = payload.get("type")
        if kind == "message" and (payload.get("message_id") or 0) > self.last_id \
                or kind == realtime.RESYNC:
            self.catch_up()
            db.session.remove()
        elif kind == "typing":
            # Never the agent's name: the customer may be talking to an alias.
            self.out.json({"type": "typing", "from": "team", "active": payload.get("active", True)})

    def on_frame(self, frame):
        data = parse(frame)
        if data is None:
            return self.out.json({"type": "error", "code": "bad_frame"})
        if not self.limit.allow():
            return self.out.json({"type": "error", "code": "rate_limited",
                                  "client_id": data.get("client_id")})
        handler = FRAME_HANDLERS.get(data.get("type"))
        if handler is None:
            return self.out.json({"type": "error", "code": "unknown_type"})
        try:
            handler(self, data)
        except HaloError as exc:
            db.session.rollback()
            self.out.json({"type": "error", "code": type(exc).__name__.lower(),
                           "message": str(exc), "client_id": data.get("client_id")})
        finally:
            db.session.remove()

    def on_send(self, data):
        message, _created = chat.receive_visitor_message(
            self.visitor_id, data.get("client_id"), data.get("body"))
        if self.ticket_id is None:
            self.ticket_id = message.ticket_id
            self.sub.add(f"ticket:{message.ticket_id}")
        self.out.json({"type": "ack", "client_id": message.client_id, "id": message.id,
                       "at": message.created_at.isoformat() + "Z"})
        self.catch_up()  # the first message's event went out before we subscribed to it

    def on_identify(self, data):
        visitor = chat.identify_visitor(self.visitor_id, data.get("email"), data.get("name"),
                                        data.get("traits"), data.get("user_hash"))
        self.out.json({"type": "identified", "verified": visitor.identified})

    def on_typing(self, data):
        now = time.monotonic()
        if self.ticket_id and now - self.typing_at > 1.5:
            self.typing_at = now
            presence.announce(self.ticket_id, "visitor_typing", active=bool(data.get("active", True)))

    def on_seen(self, data):
        """The widget holds every message up to id ("received"), or the visitor saw them."""
        chat.mark_delivered(self.visitor_id, _int(data.get("id")))

    def on_ping(self, _data):
        self.out.json({"type": "pong"})


FRAME_HANDLERS = {"send": Conversation.on_send, "identify": Conversation.on_identify,
                  "typing": Conversation.on_typing, "seen": Conversation.on_seen,
                  "received": Conversation.on_seen,
                  "ping": Conversation.on_ping}


def _avatar_url(alias) -> str:
    return url_for("widget.avatar", name=alias.avatar_file, _external=True)


__all__ = ["socket", "ConnectionClosed"]
