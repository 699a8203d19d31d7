"""/ws/widget: the visitor's socket (protocol in docs/widget-protocol.md).

A hello writes nothing: a visitor without a stored row is only a key in its token until
its first message. Frames count against the visitor's and the client address's rate
limits (services/chat/throttle.py), never the connection's own. Whatever goes wrong in
here closes the socket with a code (1008 for bad input, 1011 for a fault): an upgraded
socket has no HTTP response left to carry an error page.
"""
import socket as sockets
import time

from flask import current_app, request, url_for
from flask_babel import gettext
from simple_websocket import ConnectionClosed

from halo import clock, i18n, realtime
from halo.blueprints.access import public
from halo.blueprints.widget import bp
from halo.blueprints.widget import strings as widget_strings
from halo.blueprints.widget.hello import MAX_ID, BadHello, parse_hello
from halo.blueprints.wsutil import (
    CLIENT,
    Sender,
    bind,
    drain,
    origin,
    own_origin,
    parse,
)
from halo.extensions import db, sock
from halo.services import chat
from halo.services.chat import settings as widget_settings
from halo.services.csat import surveys as csat_surveys
from halo.services.errors import HaloError, ValidationError
from halo.services.service_levels import promise
from halo.services.settings import get_setting
from halo.services.tickets import files, presence

POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011
TRY_AGAIN_LATER = 1013
CLOSE_WAIT = 2  # seconds the client has to answer a close


@bp.before_request
def _check_origin():
    """Refuse the handshake (HTTP 403) from a site the workspace did not allow."""
    if request.endpoint != "widget.socket":
        return None
    allowed = {o.rstrip("/").lower() for o in get_setting("widget_allowed_origins") or []}
    if origin() and (origin() in allowed or origin() == own_origin()):
        return None
    return "This site may not open the chat widget.", 403


@sock.route("/ws/widget", bp=bp)
@public
def socket(ws):
    try:
        _serve(ws)
    except ConnectionClosed:
        raise
    except Exception:  # noqa: BLE001  (the socket gets a close code, the log the trace)
        current_app.logger.exception("widget socket failed")
        db.session.rollback()
        try:
            close(ws, INTERNAL_ERROR, "server error")
        except ConnectionClosed:
            pass
    finally:
        db.session.remove()


def _serve(ws):
    address = request.remote_addr or ""  # the proxy's client address under ProxyFix
    if not chat.throttle().allow("HALO_WIDGET_HELLO_LIMIT", "address", address):
        return close(ws, TRY_AGAIN_LATER, "too many new connections: try again later")
    try:
        hello = parse_hello(ws.receive(timeout=current_app.config["HALO_WIDGET_HELLO_TIMEOUT"]),
                            get_setting("widget_workspace"))
        opened = chat.open_session(hello.token)
    except BadHello as exc:
        return close(ws, POLICY_VIOLATION, exc.reason)
    except chat.Blocked:
        return close(ws, POLICY_VIOLATION, "blocked")
    conn = Conversation(ws, opened, hello.last_id, address, hello.language, hello.tz)
    # The widget speaks the visitor's browser language when Halo has it (halo/i18n.py).
    i18n.speak(i18n.for_customer(None, fallback=hello.language))
    conn.out.json({"type": "welcome", "token": opened.token, "visitor": opened.visitor_id,
                   "new": opened.fresh, "team": widget_settings.identity(),
                   "availability": conn.availability(fresh=True),
                   "lang": i18n.locale_key(), "strings": widget_strings.catalogue()})
    with realtime.subscribe(conn.topics()) as sub:
        conn.sub = sub
        try:
            if opened.visitor_id:
                conn.adopt(opened.visitor_id)
            conn.catch_up()
            conn.show_survey()
            db.session.remove()  # nothing holds a connection while the socket idles
            bind(ws, sub)
            conn.loop()
        finally:
            conn.release()


def close(ws, code: int, reason: str) -> None:
    """Close with code and reason, wait (CLOSE_WAIT at most) for the client's answer, then
    end the TCP connection, as RFC 6455 section 7.1.1 has the server do. Under werkzeug's
    server flask-sock would otherwise write an HTTP response after the close frame, which a
    browser reads as a broken frame: an abnormal closure (1006) that loses the code."""
    ws.close(code, reason)
    ws.thread.join(CLOSE_WAIT)
    try:
        ws.sock.shutdown(sockets.SHUT_RDWR)
    except OSError:  # the client hung up first
        pass


def _id(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) \
        and 0 <= value <= MAX_ID else 0


CLOSED_SURVEY = {"type": "survey", "open": False}


class RateLimited(HaloError):
    """Over a rate limit: the frame was dropped; send it again later."""


class Conversation:
    """One widget connection's state: its visitor (by key until stored), ticket, the last
    id it was sent, and an identify waiting for the visitor to be stored."""

    TICK = 30  # seconds the loop waits at most: the hours line is re-read when it wakes

    def __init__(self, ws, opened, last_id, address, language=None, tz=None):
        self.ws, self.out, self.sub = ws, Sender(ws), None
        self.language, self.tz = language, tz  # the browser's, from the hello
        self.hours = None  # the availability frame last sent, and the minute it was read in
        self.key, self.digest = opened.key, chat.key_digest(opened.key)
        self.visitor_id, self.ticket_id, self.last_id = None, None, last_id
        self.address, self.counted, self.closed = address, False, False
        self.identity = None
        self.typing_at = 0.0
        self.survey = CLOSED_SURVEY  # the survey frame last sent

    def topics(self) -> list[str]:
        return [f"visitor:{self.digest}"]

    def adopt(self, visitor_id: int) -> None:
        """This socket's visitor is stored: count the socket, follow its conversation."""
        self.visitor_id = visitor_id
        if not self.counted:
            chat.visitor_connected(visitor_id, +1)
            self.counted = True
        identity, self.identity = self.identity, None
        if identity is not None:
            try:
                chat.apply_identity(visitor_id, identity)
            except HaloError:  # answered "identified" already; the visitor changed since
                db.session.rollback()
        self.follow(chat.get_visitor(visitor_id).ticket_id)

    def follow(self, ticket_id) -> None:
        if ticket_id and ticket_id != self.ticket_id:
            self.ticket_id = ticket_id
            self.sub.add(f"ticket:{ticket_id}")

    def release(self) -> None:
        if self.counted:
            chat.visitor_connected(self.visitor_id, -1)
        db.session.remove()

    def close(self, code: int, reason: str) -> None:
        self.closed = True
        close(self.ws, code, reason)

    def availability(self, fresh: bool = False) -> dict:
        """The hours line's frame: read afresh for a welcome (an admin checking an edit sees
        it at once), else from the process's copy for this minute (every open widget asks)."""
        now = clock.now()
        found = promise.for_widget(self.tz, now) if fresh else promise.this_minute(self.tz, i18n.locale_key(), now)
        self.hours = (now.replace(second=0, microsecond=0), found)
        return found

    def refresh_hours(self) -> None:
        """A new minute: the team may have opened or closed, "tomorrow" may have become
        "today", or the hours been edited. The visitor reads the line as it is now."""
        if self.hours is None or clock.now().replace(second=0, microsecond=0) == self.hours[0]:
            return
        said = self.hours[1].get("text")
        found = self.availability()
        db.session.remove()
        if found.get("text") != said:
            self.out.json({"type": "availability", "availability": found})

    def loop(self):
        while not self.closed:
            item = self.sub.get(timeout=self.TICK)
            self.refresh_hours()
            if item is CLIENT:
                for frame in drain(self.ws):
                    self.on_frame(frame)
                    if self.closed:
                        return
            elif item is not None:
                self.on_event(*item)
            elif not self.ws.connected:
                return

    def catch_up(self):
        """Send everything after last_id, page by page: the same path serves connect,
        reconnect, pushes and a bus that reconnected after missing events."""
        while self.visitor_id:
            page = chat.messages_after(self.visitor_id, self.last_id)
            for message in page:
                self.out.json(chat.widget_json(message, _avatar_url, _file_url))
                self.last_id = message.id
            if len(page) < chat.PAGE:
                return

    def on_event(self, topic, payload):
        kind = payload.get("type")
        if topic == f"visitor:{self.digest}" and kind == "closed":
            self.close(POLICY_VIOLATION, payload.get("reason") or "closed")
        elif kind == "message" and (payload.get("message_id") or 0) > self.last_id \
                or kind == realtime.RESYNC:
            self.catch_up()
            self.show_survey()  # a resolve or a reopen opens or closes the rating choice
            db.session.remove()
        elif kind == "csat":
            self.show_survey()
            db.session.remove()
        elif kind == "typing":
            # Never the agent's name: the customer may be talking to an alias.
            self.out.json({"type": "typing", "from": "team", "active": payload.get("active", True)})

    def on_frame(self, frame):
        data = parse(frame)
        client_id = data.get("client_id") if data and isinstance(data.get("client_id"), str) else None
        limits = chat.throttle()
        # Every frame counts, bad ones too, against both windows (none spends the other's).
        within = limits.allow("HALO_WIDGET_VISITOR_LIMIT", "visitor", self.digest)
        within = limits.allow("HALO_WIDGET_ADDRESS_LIMIT", "address", self.address) and within
        if not within:
            return self.out.json({"type": "error", "code": "rate_limited", "client_id": client_id})
        if data is None:
            return self.out.json({"type": "error", "code": "bad_frame"})
        handler = FRAME_HANDLERS.get(data.get("type"))
        if handler is None:
            return self.out.json({"type": "error", "code": "unknown_type"})
        try:
            handler(self, data)
        except chat.Blocked:
            db.session.rollback()
            self.close(POLICY_VIOLATION, "blocked")
        except RateLimited as exc:
            db.session.rollback()
            self.out.json({"type": "error", "code": "rate_limited", "message": str(exc),
                           "client_id": client_id})
        except HaloError as exc:
            db.session.rollback()
            self.out.json({"type": "error", "code": type(exc).__name__.lower(),
                           "message": str(exc), "client_id": client_id})
        finally:
            db.session.remove()

    def stored(self) -> int | None:
        """The visitor's id once any of its sockets stored it (a read, until then)."""
        if self.visitor_id is None:
            visitor = chat.find_visitor(self.key)
            if visitor is not None:
                if visitor.blocked_at is not None:
                    raise chat.Blocked("This chat is closed.")
                self.adopt(visitor.id)
        return self.visitor_id

    def on_send(self, data):
        if self.stored() is None:
            chat.check_visitor_message(data.get("client_id"), data.get("body"))
            if not chat.throttle().allow("HALO_WIDGET_NEW_VISITOR_LIMIT", "address", self.address):
                raise RateLimited("Too many new conversations from this address: try again later.")
            self.adopt(chat.store_visitor(self.key).id)
        message, _created = chat.receive_visitor_message(
            self.visitor_id, data.get("client_id"), data.get("body"),
            browser_language=self.language)
        self.follow(message.ticket_id)
        self.out.json({"type": "ack", "client_id": message.client_id, "id": message.id,
                       "at": message.created_at.isoformat() + "Z"})
        self.catch_up()  # the first message's event went out before we subscribed to it

    def on_identify(self, data):
        identity = chat.check_identity(data.get("email"), data.get("name"),
                                       data.get("traits"), data.get("user_hash"))
        if self.stored() is None:  # kept until the first message stores the visitor
            self.identity = identity
            return self.out.json({"type": "identified", "verified": identity.verified})
        visitor = chat.apply_identity(self.visitor_id, identity)
        self.out.json({"type": "identified", "verified": visitor.identified})

    def on_typing(self, data):
        now = time.monotonic()
        if self.ticket_id and now - self.typing_at > 1.5:
            self.typing_at = now
            presence.announce(self.ticket_id, "visitor_typing", active=bool(data.get("active", True)))

    def on_seen(self, data):
        """The widget holds every message up to id ("received"), or the visitor saw them."""
        if self.stored() is not None:
            chat.mark_delivered(self.visitor_id, _id(data.get("id")))

    def show_survey(self):
        """The rating choice while this visitor's chat is resolved and has a survey; sent
        when what the widget should show changed."""
        if not self.visitor_id:
            return
        view = csat_surveys.widget_view(self.visitor_id)
        if view != self.survey:
            self.survey = view
            self.out.json(view)

    def on_rate(self, data):
        """The visitor's rating of its resolved chat (a second one replaces the first)."""
        if self.stored() is None:
            raise ValidationError(gettext("There is no survey to answer in this chat."))
        answer = csat_surveys.rate_in_widget(self.visitor_id, data.get("rating"), data.get("comment"))
        self.out.json({"type": "rated", "rating": answer.survey.rating, "comment": answer.survey.comment})
        self.survey = csat_surveys.widget_view(self.visitor_id)

    def on_ping(self, _data):
        self.out.json({"type": "pong"})


FRAME_HANDLERS = {"send": Conversation.on_send, "identify": Conversation.on_identify,
                  "typing": Conversation.on_typing, "seen": Conversation.on_seen,
                  "received": Conversation.on_seen, "rate": Conversation.on_rate,
                  "ping": Conversation.on_ping}


def _avatar_url(alias) -> str:
    return url_for("widget.avatar", name=alias.avatar_file, _external=True)


def _file_url(row, ticket_id: int) -> str:
    return url_for("widget.team_file", token=files.widget_token(row, ticket_id), _external=True)


__all__ = ["socket", "ConnectionClosed"]
