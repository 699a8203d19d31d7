"""The event bus: publish(topic, payload) / subscribe(topics).

With REDIS_URL set, every publish goes through Redis and one listener thread per
process fans events out to per-connection queues (CTFd utils/events); so a widget on
one gunicorn process hears a reply posted through another. Without Redis the bus is
in-process. Payloads are small JSON dicts; subscribers re-read the database for the
details, so a lost event costs latency, never data (the (re)connect catch-up covers it).
"""
import json
import logging
import os
import queue
import threading

from flask import Flask, current_app

log = logging.getLogger(__name__)
CHANNEL_PREFIX = "halo:"
# Put to every subscription when the bus comes back after losing Redis: events published
# meanwhile are gone, so each connection re-reads what it shows from the database.
RESYNC = "resync"


class Subscription:
    """One connection's inbox: bus events (topic, payload) and anything else put() into it."""

    def __init__(self, bus: "Bus", topics):
        self.bus = bus
        self.topics: set[str] = set()
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.add(*topics)

    def add(self, *topics: str) -> None:
        """Listen to more topics (a widget's conversation starts after it connects)."""
        self.bus._attach(self, [t for t in topics if t not in self.topics])
        self.topics.update(topics)

    def put(self, item) -> None:
        """Wake the owner with an item of its own (e.g. 'a client frame arrived')."""
        self.queue.put(item)

    def get(self, timeout: float | None = None):
        """The next item, or None after timeout."""
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        """Stop receiving; safe to call twice."""
        self.bus._detach(self)
        self.topics.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Bus:
    """In-process fan-out; the Redis subclass feeds it from one listener thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self._subs: dict[str, set[Subscription]] = {}

    def _attach(self, sub, topics):
        with self._lock:
            for topic in topics:
                self._subs.setdefault(topic, set()).add(sub)

    def _detach(self, sub):
        with self._lock:
            for topic in sub.topics:
                subs = self._subs.get(topic)
                if subs:
                    subs.discard(sub)
                    if not subs:
                        del self._subs[topic]

    def publish(self, topic: str, payload: dict) -> None:
        self._dispatch(topic, payload)

    def _dispatch(self, topic: str, payload: dict) -> None:
        with self._lock:
            subs = list(self._subs.get(topic, ()))
        for sub in subs:
            sub.queue.put((topic, payload))

    def resync(self) -> None:
        """Tell every subscription it may have missed events (see RESYNC)."""
        with self._lock:
            subs = {s for subs in self._subs.values() for s in subs}
        for sub in subs:
            sub.queue.put(("*", {"type": RESYNC}))

    def subscriber_count(self) -> int:
        with self._lock:
            return len({s for subs in self._subs.values() for s in subs})


class RedisBus(Bus):
    """Publishes through Redis; one daemon thread per process listens and dispatches."""

    def __init__(self, url: str):
        # Loaded only where Redis is configured (~8 MB a process).
        from redis import Redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
        super().__init__()
        self.redis = Redis.from_url(url)
        # The listener's own client never retries quietly: redis-py would reconnect and
        # resubscribe by itself, and the outage (with the events it swallowed) would go
        # unnoticed. Failing loudly is what makes the listener resync every subscriber.
        self._listener = Redis.from_url(url, retry=Retry(NoBackoff(), 0))
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._pubsub = None
        self._thread = threading.Thread(target=self._listen, name="halo-bus", daemon=True)
        self._thread.start()

    def publish(self, topic: str, payload: dict) -> None:
        self.redis.publish(CHANNEL_PREFIX + topic, json.dumps(payload))

    def wait_ready(self, timeout: float = 5) -> bool:
        """True once the listener is subscribed (tests and benchmarks wait for it)."""
        return self._ready.wait(timeout)

    def stop(self, timeout: float = 5) -> None:
        """End the listener thread (tests, and a process shutting down cleanly)."""
        self._stopped.set()
        pubsub = self._pubsub
        if pubsub is not None:
            try:
                pubsub.close()  # wakes the blocked listen() with an error
            except Exception:  # already closed by a lost connection: nothing left to wake
                pass
        self._thread.join(timeout)

    def _listen(self):
        delay, lost = 0.5, False
        while not self._stopped.is_set():
            try:
                self._pubsub = pubsub = self._listener.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(CHANNEL_PREFIX + "*")
                self._ready.set()
                if lost:  # back after an outage: what was published meanwhile is gone
                    self.resync()
                delay, lost = 0.5, False
                for msg in pubsub.listen():
                    if msg["type"] == "pmessage":
                        topic = msg["channel"].decode()[len(CHANNEL_PREFIX):]
                        self._dispatch(topic, json.loads(msg["data"]))
            except Exception:
                # Redis restarted or the network blipped: events in between are lost,
                # which the resync once Redis is back makes good.
                self._ready.clear()
                if self._stopped.is_set():
                    return
                log.warning("event bus listener lost Redis; retrying in %.1fs", delay, exc_info=True)
                lost = True
                self._stopped.wait(delay)
                delay = min(delay * 2, 10)


class WakeEvent(threading.Event):
    """simple-websocket's input event, also waking the connection's Subscription.

    Installed through SOCK_SERVER_OPTIONS["event_class"] so one handler thread can wait
    on a single queue for both bus events and client frames, instead of polling.
    """
    on_set = None

    def set(self):
        super().set()
        if self.on_set is not None:
            self.on_set()


# Live chat socket settings: name -> default; the environment may override each (README).
SOCKET_SETTINGS = {"HALO_WIDGET_MAX_FRAME": 16384, "HALO_WIDGET_HELLO_TIMEOUT": 10,
                   "HALO_WS_PING_INTERVAL": 25, "HALO_WIDGET_TOKEN_MAX_AGE": 30 * 24 * 3600}


def init_realtime(app: Flask) -> None:
    """Pick the bus and set the WebSocket server options from configuration."""
    for key, default in SOCKET_SETTINGS.items():
        app.config.setdefault(key, int(os.environ.get(key, default)))
    opts = dict(app.config.get("SOCK_SERVER_OPTIONS") or {})
    opts.setdefault("ping_interval", app.config["HALO_WS_PING_INTERVAL"])
    opts.setdefault("max_message_size", app.config["HALO_WIDGET_MAX_FRAME"])
    opts["event_class"] = WakeEvent  # the socket handlers rely on it (blueprints/wsutil.bind)
    app.config["SOCK_SERVER_OPTIONS"] = opts
    url = app.config.get("REDIS_URL")
    app.extensions["halo_bus"] = RedisBus(url) if url else Bus()


def bus() -> Bus:
    """The current app's bus."""
    return current_app.extensions["halo_bus"]


def publish(topic: str, payload: dict) -> None:
    """Send payload to every subscriber of topic in every process; call after commit."""
    try:
        bus().publish(topic, payload)
    except Exception:
        # The change is committed; a dead bus must not turn it into an error page.
        log.exception("could not publish %s", topic)


def subscribe(topics) -> Subscription:
    """A Subscription to topics; close it (or use `with`) when the connection ends."""
    return Subscription(bus(), list(topics))
