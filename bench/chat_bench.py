"""Chat benchmark, beside a bare flask-sock echo on the same gunicorn settings:

- server CPU per stored visitor message (the gunicorn worker's utime + stime over N sends);
- agent-to-widget delivery p50/p99 with N widgets open, quiet and under a steady load
  (each widget sends one message every --interval s, an agent page with Live and the
  Open view connected), at each level of --widgets;
- the bytes an agent socket with Live and the Open view receives while replies flow
  in another ticket.

    .venv/bin/python bench/chat_bench.py --widgets 200,500,1000 --seconds 30
"""
import argparse
import http.cookiejar
import json
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from simple_websocket import Client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chat_load import (AgentPage, Widget, agent_bytes, cpu_per_message, cpu_seconds,  # noqa: E402
                       steady_delivery, timed_reply, worker_pid)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
STAMP = re.compile(r'data-stamp="([^"]*)"')
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


def connect_widgets(base, first, n):
    widgets = []
    for i in range(first, first + n):
        ws = Client.connect(base.replace("http", "ws", 1) + "/ws/widget",
                            headers={"Origin": "http://bench.example"})
        ws.send(json.dumps({"type": "hello", "token": None, "last_id": 0}))
        json.loads(ws.receive(timeout=10))
        widgets.append(Widget(ws, i))
    return widgets


def open_conversations(widgets, db_path):
    """Each widget's first message starts its ticket; read the tickets off the database."""
    ids = {w.n: w.send_and_ack(f"Hello, I need help with order {w.n}") for w in widgets}
    con = sqlite3.connect(db_path)
    for w in widgets:
        w.ticket = con.execute("select ticket_id from message where id=?", (ids[w.n],)).fetchone()[0]
    con.close()


def agent(base):
    """Sign in through the form: (opener, base, csrf token), the cookie header, the inbox stamp."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = TOKEN.search(opener.open(base + "/login").read().decode()).group(1)
    opener.open(base + "/login", urllib.parse.urlencode(
        {"email": "agent@bench.example", "password": "password123", "csrf_token": token}).encode())
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return (opener, base, token), cookie


def inbox_stamp(opener, base):
    return STAMP.search(opener.open(base + "/inbox/open").read().decode()).group(1)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def spread(latencies):
    return (f"p50 {pct(latencies, 50):.1f} ms, p99 {pct(latencies, 99):.1f} ms "
            f"(mean {statistics.mean(latencies) * 1000:.1f} ms, n={len(latencies)})")


def level(args, pid, base, widgets, session):
    """Every measure with len(widgets) widgets open."""
    n = len(widgets)
    ms, rate = cpu_per_message(pid, widgets[:200], args.messages)
    print(f"[{n} widgets] CPU per stored visitor message {ms:.2f} ms "
          f"(n={args.messages}, sent one at a time: {rate:.0f} msgs/s)", flush=True)
    page = AgentPage(base, session[1], inbox_stamp(session[0][0], base))
    ms, rate = cpu_per_message(pid, widgets[:200], args.messages)
    page.close()
    print(f"[{n} widgets] ... with an agent page (Live + Open view) open: {ms:.2f} ms "
          f"({rate:.0f} msgs/s; it received {page.bytes / 1e3:.0f} kB)", flush=True)
    quiet = [timed_reply(session[0], widgets[k % n], k) for k in range(args.samples)]
    print(f"[{n} widgets] quiet: agent->widget delivery {spread(quiet)}", flush=True)
    sent_bytes, frames, replies = agent_bytes(base, session[1], inbox_stamp(session[0][0], base),
                                              session[0], widgets[0].ticket)
    print(f"[{n} widgets] agent page (Live + Open view): {sent_bytes / 1e3:.1f} kB in {frames} "
          f"frames over 3 s while {replies} replies flowed in another ticket", flush=True)
    page = AgentPage(base, session[1], inbox_stamp(session[0][0], base))
    latencies, sent, share = steady_delivery(pid, session[0], widgets, args.seconds, args.interval)
    page.close()
    print(f"[{n} widgets] steady load ({sent} visitor messages in {args.seconds:.0f}s, one per widget "
          f"per {args.interval:.0f}s, an agent page with Live + Open open; worker CPU "
          f"{share * 100:.0f}% of a core): agent->widget delivery {spread(latencies)}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--widgets", default="200,500,1000", help="levels, comma-separated")
    ap.add_argument("--samples", type=int, default=50, help="quiet delivery samples per level")
    ap.add_argument("--messages", type=int, default=200, help="visitor messages timed for CPU")
    ap.add_argument("--seconds", type=float, default=30, help="steady load per level")
    ap.add_argument("--interval", type=float, default=50, help="seconds between a widget's messages")
    args = ap.parse_args()
    levels = [int(n) for n in args.widgets.split(",")]
    tmp = tempfile.mkdtemp()
    db_url = f"sqlite:///{tmp}/bench.db"
    prepare_db(db_url)
    env = dict(os.environ, DATABASE_URL=db_url, SECRET_KEY="bench", PYTHONPATH=ROOT,
               # every bench widget comes from 127.0.0.1: the per-address limits would be the
               # subject, not the chat path this measures
               HALO_WIDGET_HELLO_LIMIT="100000 per minute", HALO_WIDGET_NEW_VISITOR_LIMIT="100000 per hour",
               HALO_WIDGET_ADDRESS_LIMIT="1000000 per minute")
    server, base = gunicorn("wsgi:app", env, max(levels) + 64, ROOT)
    try:
        pid = worker_pid(server.pid)
        session = agent(base)
        widgets = []
        for n in levels:
            t0 = time.monotonic()
            more = connect_widgets(base, len(widgets), n - len(widgets))
            open_conversations(more, db_url[len("sqlite:///"):])
            widgets += more
            print(f"[{n} widgets] connected and conversations opened in "
                  f"{time.monotonic() - t0:.1f}s", flush=True)
            level(args, pid, base, widgets, session)
    finally:
        server.terminate()
        server.wait()
    echo_reference(max(levels), 1000, env, tmp)


def echo_reference(n, samples, env, tmp):
    """A bare flask-sock echo on the same gunicorn settings, with n idle sockets held."""
    with open(os.path.join(tmp, "echo_app.py"), "w") as f:
        f.write(ECHO_APP)
    server, base = gunicorn("echo_app:app", dict(env, PYTHONPATH=tmp + os.pathsep + ROOT), n + 64, tmp)
    try:
        url = base.replace("http", "ws", 1) + "/ws/echo"
        idle = [Client.connect(url) for _ in range(n)]
        probe = idle[0]
        pid = worker_pid(server.pid)
        latencies, cpu = [], cpu_seconds(pid)
        for k in range(samples):
            start = time.perf_counter()
            probe.send(str(k))
            probe.receive(timeout=10)
            latencies.append(time.perf_counter() - start)
        cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / samples
        print(f"reference (bare flask-sock echo, {n} sockets): round trip p50 "
              f"{pct(latencies, 50):.2f} ms, p99 {pct(latencies, 99):.2f} ms; "
              f"worker CPU per round trip {cpu_ms:.2f} ms (n={samples})")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    threading.stack_size(256 * 1024)  # a thousand client threads in this process
    main()
