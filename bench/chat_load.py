"""The chat benchmark's measures: server CPU per stored visitor message, agent-to-widget
delivery under a steady visitor load, and the bytes an agent page receives (chat_bench.py)."""
import json
import os
import random
import threading
import time
import urllib.parse

from simple_websocket import Client, ConnectionClosed

TICK = os.sysconf("SC_CLK_TCK")
# What visitors write: half plain English, half other languages (langdetect's share).
BODIES = ("Where is my order? It has been a week now",
          "Hallo, meine Bestellung ist noch nicht angekommen. Können Sie nachsehen?",
          "Hi, I can't log in to my account since this morning",
          "Bonjour, je n'arrive pas à changer mon adresse de livraison",
          "thanks!",
          "Hola, ¿pueden devolverme el dinero del pedido duplicado?")


def body(k: int) -> str:
    return f"{BODIES[k % len(BODIES)]} ({k})"


def worker_pid(master_pid: int) -> int:
    """gunicorn's one worker: the master's child."""
    with open(f"/proc/{master_pid}/task/{master_pid}/children") as f:
        return int(f.read().split()[0])


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def drain(ws) -> None:
    """Drop every frame a widget has already received."""
    while ws.receive(timeout=0) is not None:
        pass


def until(ws, match, timeout=10.0) -> dict:
    """The first JSON frame for which match(frame) is true."""
    deadline = time.monotonic() + timeout
    while True:
        data = ws.receive(timeout=max(0.01, deadline - time.monotonic()))
        if data is None:
            raise TimeoutError("no matching frame")
        frame = json.loads(data)
        if match(frame):
            return frame


class Widget:
    """A widget socket with its conversation, sending under unique client ids."""

    def __init__(self, ws, n):
        self.ws, self.n, self.sent, self.ticket = ws, n, 0, None

    def send(self, body: str) -> str:
        self.sent += 1
        client_id = f"w{self.n}-{self.sent}"
        self.ws.send(json.dumps({"type": "send", "client_id": client_id, "body": body}))
        return client_id

    def send_and_ack(self, body: str) -> int:
        """Send and wait for the ack; the stored message's id."""
        drain(self.ws)
        client_id = self.send(body)
        return until(self.ws, lambda f: f["type"] == "ack" and f["client_id"] == client_id)["id"]


def cpu_per_message(pid, widgets, n) -> tuple[float, float]:
    """Worker CPU ms per visitor message stored and acked (one at a time), and msgs/s."""
    start, wall = cpu_seconds(pid), time.perf_counter()
    for k in range(n):
        widgets[k % len(widgets)].send_and_ack(body(k))
    wall = time.perf_counter() - wall
    return (cpu_seconds(pid) - start) * 1000 / n, n / wall


def reply(agent, ticket, body) -> None:
    """Post an agent's chat reply through the composer form."""
    opener, base, token = agent
    opener.open(f"{base}/tickets/{ticket}/messages", urllib.parse.urlencode(
        {"mode": "chat", "body": body, "csrf_token": token}).encode()).read()


def timed_reply(agent, widget, k) -> float:
    """Seconds from posting a reply until its widget has the frame."""
    drain(widget.ws)
    body = f"reply {widget.n}-{k}"
    start = time.perf_counter()
    reply(agent, widget.ticket, body)
    until(widget.ws, lambda f: f["type"] == "message" and f["body"] == body)
    return time.perf_counter() - start


def visitors(widgets, interval, stop, sent) -> None:
    """Each widget sends one message every interval seconds, spread evenly over it."""
    start, n = time.monotonic(), len(widgets)
    k = 0
    while not stop.is_set():
        due = start + k * interval / n
        if stop.wait(max(0.0, due - time.monotonic())):
            return
        widgets[k % n].send(body(k))
        sent.append(k)
        k += 1


def steady_delivery(pid, agent, widgets, seconds, interval):
    """Delivery latencies of replies while every widget sends one message per interval;
    (latencies, visitor messages sent, worker CPU share)."""
    stop, sent = threading.Event(), []
    sender = threading.Thread(target=visitors, args=(widgets, interval, stop, sent), daemon=True)
    cpu, wall = cpu_seconds(pid), time.perf_counter()
    sender.start()
    latencies, k = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        latencies.append(timed_reply(agent, random.choice(widgets), k))
        k += 1
        time.sleep(random.uniform(0.05, 0.15))
    stop.set()
    sender.join()
    share = (cpu_seconds(pid) - cpu) / (time.perf_counter() - wall)
    return latencies, len(sent), share


class AgentPage:
    """An agent's socket as a page with Live and the Open view sends it; counts bytes."""

    def __init__(self, base, cookie, stamp):
        # simple-websocket's client leaves the port out of Host; the Origin matches that.
        self.ws = Client.connect(base.replace("http", "ws", 1) + "/ws/agent",
                                 headers={"Origin": "http://127.0.0.1", "Cookie": cookie})
        self.ws.send(json.dumps({"type": "hello", "ticket": None, "after": 0, "view": "open",
                                 "stamp": stamp, "live": True, "reconnect": False}))
        self.bytes = self.frames = 0
        self.ws.receive(timeout=10)  # the first push: subscribed
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                data = self.ws.receive(timeout=1)
            except ConnectionClosed:
                return
            if data is not None:
                self.bytes += len(data.encode())
                self.frames += 1

    def close(self):
        self.ws.close()


def agent_bytes(base, cookie, stamp, agent, ticket, seconds=3.0, per_second=4):
    """Bytes and frames an agent page (Live + Open) receives while replies flow in a ticket
    it does not show, at a fixed pace."""
    page = AgentPage(base, cookie, stamp)
    time.sleep(0.5)
    page.bytes = page.frames = 0
    start, n = time.monotonic(), int(seconds * per_second)
    for k in range(n):
        time.sleep(max(0.0, start + k / per_second - time.monotonic()))
        reply(agent, ticket, f"flowing reply {k}")
    time.sleep(max(0.0, start + seconds - time.monotonic()) + 0.5)  # let the last pushes land
    page.close()
    return page.bytes, page.frames, n
