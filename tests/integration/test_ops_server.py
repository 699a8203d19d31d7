"""A real `halo serve` (gunicorn, two worker processes): the banner, JSON logs with request
ids, and metrics added up over both workers."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.email_support import free_port

ROOT = pathlib.Path(__file__).parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


class Server:
    """`halo serve` in its own process group; every stderr line kept (JSON objects)."""

    def __init__(self, env):
        self.port = int(env["HALO_PORT"])
        self.proc = subprocess.Popen([*FLASK, "halo", "serve", "--workers", "2", "--threads", "4"], cwd=ROOT,
                                     env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.lines: list[dict] = []
        self._booted = threading.Semaphore(0)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stderr:
            record = json.loads(line)  # every line is one JSON object under HALO_LOG_FORMAT=json
            self.lines.append(record)
            if record["message"].startswith("Booting worker with pid"):
                self._booted.release()

    def wait_for_workers(self, count):
        for _ in range(count):
            assert self._booted.acquire(timeout=60), f"workers did not boot: {self.lines}"

    def get(self, path, headers=None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers or {})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._reader.join(5)
        self.proc.stderr.close()


@pytest.fixture
def server(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'halo.db'}", SECRET_KEY="ops-test",
               HALO_PORT=str(free_port()), HALO_SMTP_PORT=str(free_port()), HALO_LOG_FORMAT="json",
               HALO_ATTACHMENT_DIR=str(tmp_path / "attachments"), HALO_TRANSLATE_DIR=str(tmp_path / "tr"))
    for key in ("REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "HALO_METRICS_TOKEN", "HALO_METRICS_ALLOW", "MALLOC_ARENA_MAX"):
        env.pop(key, None)
    subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    server = Server(env)
    try:
        server.wait_for_workers(2)
        yield server
    finally:
        server.stop()


def _healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "halo_http_requests_total" and s.labels == {"route": "/healthz", "method": "GET",
                                                                      "status": "200"}:
                return s.value
    return 0.0


def test_banner_json_logs_request_ids_and_metrics_summed_over_workers(server):
    messages = [r["message"] for r in server.lines]
    assert any(m.startswith("Halo ") and "starting: web server (2 worker processes x 4 threads)" in m
               for m in messages)
    assert f"web: http://127.0.0.1:{server.port}/" in messages
    assert any(m.startswith("SMTP receiver: 127.0.0.1:") for m in messages)
    assert any(m.startswith("database: sqlite:///") for m in messages)

    ids = [f"req-{i:03d}" for i in range(40)]
    with ThreadPoolExecutor(8) as pool:  # concurrent, so both worker processes answer some
        answers = list(pool.map(lambda rid: server.get("/healthz", {"X-Request-ID": rid}), ids))
    assert all(status == 200 and headers["X-Request-ID"] == rid for (status, headers, _), rid in zip(answers, ids))

    # Whichever worker answers the scrape, it reports what both answered.
    for _ in range(6):
        status, _, text = server.get("/metrics")
        assert status == 200 and _healthz_count(text) == 40

    access = [r for r in server.lines if r["logger"] == "gunicorn.access"]
    assert {rid for rid in ids if any(f"id={rid}" in r["message"] for r in access)} == set(ids)
    status, _, body = server.get("/readyz?check=database&check=disk")
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_the_workers_run_with_two_malloc_arenas(server):
    """halo serve caps glibc's arenas (one per busy thread otherwise: a swollen worker)."""
    pids = [int(r["message"].rsplit(" ", 1)[1]) for r in server.lines
            if r["message"].startswith("Booting worker with pid")]
    assert len(pids) == 2
    for pid in pids:
        assert b"MALLOC_ARENA_MAX=2" in pathlib.Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
