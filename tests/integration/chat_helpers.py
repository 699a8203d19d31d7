"""A live Halo server in a thread and a real WebSocket widget client for the chat tests."""
import json
import threading
import time

from simple_websocket import Client, ConnectionClosed
from werkzeug.serving import make_server


class LiveServer:
    """The test app on a real socket (werkzeug, threaded): flask-sock runs as in production."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()


class Widget:
    """Speaks the widget protocol (docs/widget-protocol.md) over a real WebSocket."""

    def __init__(self, base_url, origin=None, token=None, last_id=0, workspace=None):
        ws_url = base_url.replace("http", "ws", 1) + "/ws/widget"
        self.ws = Client.connect(ws_url, headers={"Origin": origin or base_url})
        self.frames = []
        hello = {"type": "hello", "token": token, "last_id": last_id}
        if workspace:
            hello["workspace"] = workspace
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
        try:
            self.ws.close()
        except ConnectionClosed:
            pass
