"""The bare reference: a minimal Flask page that reads 25 rows from the same SQLite file.

Served by the same gunicorn settings as Halo in the same run, so each Halo figure can be
read as a ratio to what this machine does at that moment with Flask + SQLite and no app.
BENCH_DB names the database file.

POST /note is the bare write (bench/run.py --writers): one INSERT of a note into the
message table of BENCH_WRITE_URL's database (the SQLite file, or the PostgreSQL database
Halo is served from), committed, and the note rendered back. SQLite is opened as Halo
opens it (WAL, synchronous FULL, a 30 s busy timeout).
"""
import os
import sqlite3
import threading
from datetime import datetime, timezone

from flask import Flask, jsonify, render_template_string, request

app = Flask(__name__)
_local = threading.local()
PAGE = """<!doctype html><title>Reference</title><table>
{% for id, subject, preview, at in rows %}<tr><td>{{ id }}</td><td>{{ subject }}</td><td>{{ preview }}</td><td>{{ at }}</td></tr>
{% endfor %}</table>"""


def _connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = sqlite3.connect(os.environ["BENCH_DB"], check_same_thread=False)
    return conn


@app.get("/")
def index():
    rows = _connection().execute(
        "SELECT id, subject, preview, last_activity_at FROM ticket"
        " ORDER BY last_activity_at DESC, id DESC LIMIT 25").fetchall()
    return render_template_string(PAGE, rows=rows)


@app.get("/api")
def api():
    """The API benchmark's reference: the same 25 rows as JSON."""
    rows = _connection().execute(
        "SELECT id, subject, preview, last_activity_at FROM ticket"
        " ORDER BY last_activity_at DESC, id DESC LIMIT 25").fetchall()
    return jsonify(data=[{"id": i, "subject": s, "preview": p, "last_activity_at": a} for i, s, p, a in rows])


NOTE = """<li class="item item-note" id="msg-{{ id }}"><div class="item-body">{{ body }}</div>
<time>{{ at }}</time></li>"""


def _write_connection():
    conn = getattr(_local, "write", None)
    if conn is None:
        url = os.environ.get("BENCH_WRITE_URL") or "sqlite:///" + os.environ["BENCH_DB"]
        if url.startswith("postgresql"):
            import psycopg
            conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        else:
            conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30, check_same_thread=False)
            conn.execute("PRAGMA synchronous=FULL")
        _local.write = conn
    return conn


@app.post("/note")
def note():
    """The bare write: a note on a ticket, inserted and committed, rendered back."""
    conn = _write_connection()
    mark = "%s" if not isinstance(conn, sqlite3.Connection) else "?"
    at = datetime.now(timezone.utc).replace(tzinfo=None)
    body = request.form.get("body", "")
    cur = conn.execute(
        f"INSERT INTO message (ticket_id, kind, body_text, created_at) VALUES ({mark}, 'note', {mark}, {mark})"
        " RETURNING id", (int(request.form["ticket_id"]), body, at if mark == "%s" else at.isoformat(" ")))
    new_id = cur.fetchone()[0]
    conn.commit()
    return render_template_string(NOTE, id=new_id, body=body, at=at)
