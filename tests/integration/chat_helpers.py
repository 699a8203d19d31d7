"""A real WebSocket widget client for the chat tests (the live server is conftest.live_server)."""
import json
import threading
import time

from simple_websocket import Client, ConnectionClosed


class _DaemonThread(threading.Thread):
    """The client's reader thread: one left running must not keep the test run alive."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, daemon=True, **kwargs)


# Every widget connected and not yet closed; the autouse fixture in conftest.py closes them
# after each test, passed or failed (a failed assertion skips the test's own close()).
OPEN: list["Widget"] = []


class _Client(Client):
    """simple-websocket 1.1's client, minus one race: the server's first frames can arrive in
    the same read as its handshake answer, and the library leaves them in wsproto's buffer
    until the next read. When that frame is a refusal (a close), the next read is the end of
    the connection and the close code is lost (1005). Handle what is buffered first."""

    def _thread(self):
        self.connected = self._handle_events()
        if not self.connected:
            self.sock.close()
            return
        super()._thread()


class Widget:
    """Speaks the widget protocol (docs/widget-protocol.md) over a real WebSocket."""

    def __init__(self, base_url, origin=None, token=None, last_id=0, workspace=None, language=None):
        ws_url = base_url.replace("http", "ws", 1) + "/ws/widget"
        self.ws = _Client.connect(ws_url, headers={"Origin": origin or base_url},
                                 thread_class=_DaemonThread)
        OPEN.append(self)
        self.frames = []
        hello = {"type": "hello", "token": token, "last_id": last_id}
        if workspace:
            hello["workspace"] = workspace
        if language is not None:
            hello["language"] = language
        self.send(hello)
        self.welcome = self.until("welcome")
        self.token = self.welcome["token"]

    def send(self, frame):
        self.ws.send(json.dumps(frame))

    def recv(self, timeout=5.0):
        """The next frame, or None when nothing came before the deadline."""
        data = self.ws.receive(timeout=timeout)
        if data is None:
            return None
        frame = json.loads(data)
        self.frames.append(frame)
        return frame

    def until(self, kind, timeout=5.0, **match):
        """Read frames until one of this type (and matching fields) arrives."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frame = self.recv(deadline - time.monotonic())
            if frame and frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame
        raise AssertionError(f"no {kind} {match} within {timeout}s; got {self.frames}")

    def roundtrip(self):
        """Everything the server sent before answering a ping (it answers in order)."""
        start = len(self.frames)
        self.send({"type": "ping"})
        self.until("pong")
        return self.frames[start:-1]

    def close(self):
        if self in OPEN:
            OPEN.remove(self)
        try:
            self.ws.close()
        except (ConnectionClosed, OSError):
            pass
        self.ws.thread.join(5)


def refused(base_url, frame, origin=None, timeout=15.0) -> tuple[int, str]:
    """Open a widget socket, send frame (text, or a dict as JSON) as its first frame, and
    return the (code, reason) the server closed it with; fails if it answered instead."""
    ws = _Client.connect(base_url.replace("http", "ws", 1) + "/ws/widget",
                        headers={"Origin": origin or base_url}, thread_class=_DaemonThread)
    try:
        if frame is not None:
            try:
                ws.send(frame if isinstance(frame, str) else json.dumps(frame))
            except OSError:
                # A server that refuses on connect may have closed the socket before the
                # frame went out; the reader thread has then recorded its close reason.
                ws.thread.join(timeout)
        got = ws.receive(timeout=timeout)
        raise AssertionError(f"the server answered {got!r} instead of closing")
    except ConnectionClosed:
        return ws.close_reason, ws.close_message
    finally:
        try:
            ws.close()
        except (ConnectionClosed, OSError):
            pass
        ws.thread.join(5)


def close_all() -> None:
    """Close every widget a test left open."""
    while OPEN:
        OPEN[-1].close()
