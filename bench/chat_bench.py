"""Chat benchmark: idle widget sockets one gunicorn process holds, and agent-to-widget
delivery latency (p50/p99) with N widgets connected, beside a bare flask-sock echo.

    .venv/bin/python bench/chat_bench.py --widgets 1000 --samples 200
"""
import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from simple_websocket import Client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ECHO_APP = """
from flask import Flask
from flask_sock import Sock
app = Flask(__name__)
sock = Sock(app)
@sock.route('/ws/echo')
def echo(ws):
    while True:
        ws.send(ws.receive())
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(app_spec, env, threads, cwd):
    port = free_port()
    cmd = [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-b", f"127.0.0.1:{port}",
           "--worker-class", "gthread", "--workers", "1", "--threads", str(threads),
           "--worker-connections", str(threads + 100), "--config", "python:halo.gunicorn_conf",
           "--log-level", "warning", app_spec]
    proc = subprocess.Popen(cmd, env=env, cwd=cwd)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def prepare_db(db_url):
    """Migrate, allow the origin, create an agent; runs in this process."""
    os.environ["DATABASE_URL"] = db_url
    sys.path.insert(0, ROOT)
    from flask_migrate import upgrade

    from halo import create_app
    from halo.services.accounts.users import create_user
    from halo.services.settings import set_setting
    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        set_setting("widget_allowed_origins", ["http://bench.example"])
        create_user("agent@bench.example", "Bench Agent", "password123", "agent")


def connect_widgets(base, n):
    widgets = []
    for i in range(n):
        ws = Client.connect(base.replace("http", "ws", 1) + "/ws/widget",
                            headers={"Origin": "http://bench.example"})
        ws.send(json.dumps({"type": "hello", "token": None, "last_id": 0}))
        json.loads(ws.receive(timeout=10))
        widgets.append(ws)
    return widgets


def open_conversation(ws, i):
    ws.send(json.dumps({"type": "send", "client_id": f"b{i}", "body": f"hello {i}"}))
    ticket = None
    while ticket is None:
        frame = json.loads(ws.receive(timeout=10))
        if frame["type"] == "ack":
            ticket = frame["id"]
    while ws.receive(timeout=0.05) is not None:  # the echo of our own message
        pass
    return ticket


def agent(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = TOKEN.search(opener.open(base + "/login").read().decode()).group(1)
    opener.open(base + "/login", urllib.parse.urlencode(
        {"email": "agent@bench.example", "password": "password123", "csrf_token": token}).encode())
    return opener, token


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--widgets", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=200)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    db_url = f"sqlite:///{tmp}/bench.db"
    prepare_db(db_url)
    env = dict(os.environ, DATABASE_URL=db_url, SECRET_KEY="bench", PYTHONPATH=ROOT)
    threads = args.widgets + 64
    server, base = gunicorn("wsgi:app", env, threads, ROOT)
    try:
        t0 = time.monotonic()
        widgets = connect_widgets(base, args.widgets)
        connect_s = time.monotonic() - t0
        ids = {}
        from halo import create_app  # noqa: F401  (ticket ids come from the acks)
        opener, token = agent(base)
        latencies = []
        for k in range(args.samples):
            i = k % len(widgets)
            if i not in ids:
                ids[i] = ticket_of(widgets[i], i, base, db_url)
            start = time.perf_counter()
            opener.open(f"{base}/tickets/{ids[i]}/messages", urllib.parse.urlencode(
                {"mode": "chat", "body": f"reply {k}", "csrf_token": token}).encode()).read()
            while True:
                frame = json.loads(widgets[i].receive(timeout=10))
                if frame.get("type") == "message" and frame["body"] == f"reply {k}":
                    break
            latencies.append(time.perf_counter() - start)
        print(f"chat: {len(widgets)} widgets connected in {connect_s:.1f}s; "
              f"agent->widget delivery p50 {pct(latencies, 50):.1f} ms, p99 {pct(latencies, 99):.1f} ms "
              f"(mean {statistics.mean(latencies) * 1000:.1f} ms, n={len(latencies)})")
    finally:
        server.terminate()
        server.wait()
    echo_reference(args.widgets, args.samples, env, tmp)


def ticket_of(ws, i, base, db_url):
    message_id = open_conversation(ws, i)
    import sqlite3
    con = sqlite3.connect(db_url[len("sqlite:///"):])
    ticket = con.execute("select ticket_id from message where id=?", (message_id,)).fetchone()[0]
    con.close()
    return ticket


def echo_reference(n, samples, env, tmp):
    """A bare flask-sock echo on the same gunicorn settings, with n idle sockets held."""
    with open(os.path.join(tmp, "echo_app.py"), "w") as f:
        f.write(ECHO_APP)
    server, base = gunicorn("echo_app:app", dict(env, PYTHONPATH=tmp + os.pathsep + ROOT), n + 64, tmp)
    try:
        url = base.replace("http", "ws", 1) + "/ws/echo"
        idle = [Client.connect(url) for _ in range(n)]
        probe = idle[0]
        latencies = []
        for k in range(samples):
            start = time.perf_counter()
            probe.send(str(k))
            probe.receive(timeout=10)
            latencies.append(time.perf_counter() - start)
        print(f"reference (bare flask-sock echo, {n} sockets): round trip p50 "
              f"{pct(latencies, 50):.2f} ms, p99 {pct(latencies, 99):.2f} ms")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    threading.stack_size(256 * 1024)  # a thousand client threads in this process
    main()
