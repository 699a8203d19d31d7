"""Shared WebSocket plumbing: one wake-up queue per connection, a send lock, Origin checks."""
import json
import threading
from urllib.parse import urlsplit

from flask import request

CLIENT = object()  # queue marker: "a client frame is waiting in ws.input_buffer"


def bind(ws, sub) -> None:
    """Route the socket's 'frame arrived' signal into sub's queue."""
    ws.event.on_set = lambda: sub.put(CLIENT)
    sub.put(CLIENT)  # frames that arrived before binding


def drain(ws) -> list[str]:
    """Every frame already received, without blocking (raises ConnectionClosed when closed)."""
    frames = []
    while True:
        frame = ws.receive(timeout=0)
        if frame is None:
            return frames
        frames.append(frame)


class Sender:
    """ws.send under a lock: presence, catch-up and bus events may overlap."""

    def __init__(self, ws):
        self.ws = ws
        self.lock = threading.Lock()

    def json(self, payload: dict) -> None:
        self.text(json.dumps(payload, separators=(",", ":")))

    def text(self, data: str) -> None:
        with self.lock:
            self.ws.send(data)


def origin() -> str:
    """The request's Origin as scheme://host[:port], lower-cased ('' when absent)."""
    value = request.headers.get("Origin", "")
    parts = urlsplit(value)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def own_origin() -> str:
    """Halo's own origin as the browser sees it."""
    return request.host_url.rstrip("/").lower()


def parse(frame) -> dict | None:
    """A JSON object frame, or None (nesting too deep for the parser is not JSON we take)."""
    try:
        data = json.loads(frame)
    except (TypeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
