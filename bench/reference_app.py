"""The bare reference: a minimal Flask page that reads 25 rows from the same SQLite file.

Served by the same gunicorn settings as Halo in the same run, so each Halo figure can be
read as a ratio to what this machine does at that moment with Flask + SQLite and no app.
BENCH_DB names the database file.
"""
import os
import sqlite3
import threading

from flask import Flask, jsonify, render_template_string

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
