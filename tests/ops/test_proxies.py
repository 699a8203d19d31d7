"""The proxy samples in front of a live Halo: nginx with TLS and Caddy, each carrying a
widget's WebSocket, the request id, and keeping /metrics off the public site."""
import json
import os
import pathlib
import re
import ssl
import subprocess
import threading
import urllib.error
import urllib.request

import pytest
from simple_websocket import Client

from halo.services.settings import set_setting
from tests.email_support import free_port
from tests.factories import make_user
from tests.ops.test_deploy import _self_signed, nginx_config, tool

ROOT = pathlib.Path(__file__).parents[2]
NO_VERIFY = ssl.create_default_context()
NO_VERIFY.check_hostname, NO_VERIFY.verify_mode = False, ssl.CERT_NONE


class _DaemonThread(threading.Thread):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, daemon=True, **kwargs)


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30, context=NO_VERIFY) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def widget_roundtrip(base_url: str) -> dict:
    """A visitor's socket through the proxy: hello, welcome, a message, its ack."""
    ws = Client.connect(base_url.replace("http", "ws", 1) + "/ws/widget", headers={"Origin": base_url},
                        ssl_context=NO_VERIFY if base_url.startswith("https") else None,
                        thread_class=_DaemonThread)
    try:
        frames = []

        def until(kind):
            while True:
                data = ws.receive(timeout=30)
                assert data is not None, f"no {kind} through the proxy; got {frames}"
                frames.append(json.loads(data))
                if frames[-1]["type"] == kind:
                    return frames[-1]
        ws.send(json.dumps({"type": "hello", "token": None, "last_id": 0}))
        until("welcome")
        ws.send(json.dumps({"type": "send", "client_id": "through-proxy", "body": "Hello via the proxy"}))
        return until("ack")
    finally:
        ws.close()
        ws.thread.join(5)


def check_proxy(base_url: str, request_id: re.Pattern):
    set_setting("widget_allowed_origins", [base_url])
    make_user()
    status, headers, body = get(base_url + "/healthz", {"X-Request-ID": "from-the-client"})
    assert status == 200 and json.loads(body) == {"status": "ok"}
    # The proxy's own id replaced the client's, reached Halo and came back.
    assert request_id.fullmatch(headers["X-Request-ID"]), headers["X-Request-ID"]
    assert get(base_url + "/metrics")[0] == 404
    assert widget_roundtrip(base_url)["client_id"] == "through-proxy"


@pytest.fixture
def nginx(live_server, tmp_path):
    binary = tool("nginx")
    _self_signed(tmp_path)
    port, port80 = free_port(), free_port()
    site = (ROOT / "deploy" / "nginx" / "halo.conf").read_text()
    site = (site.replace("/etc/letsencrypt/live/support.example.com/", f"{tmp_path}/")
            .replace("server 127.0.0.1:8000;", f"server {live_server.removeprefix('http://')};")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;")
            .replace("listen 80;", f"listen 127.0.0.1:{port80};"))
    site = re.sub(r"\n\s*listen \[::\]:\d+[^\n]*", "", site)
    conf = nginx_config(tmp_path, site)
    # Not daemon off: nginx returns once its sockets are bound, so the test needs no wait.
    started = subprocess.run([binary, "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    yield f"https://127.0.0.1:{port}"
    subprocess.run([binary, "-c", str(conf), "-p", str(tmp_path), "-s", "stop"], capture_output=True)


def test_nginx_sample_carries_websockets_and_request_ids(nginx):
    check_proxy(nginx, re.compile(r"[0-9a-f]{32}"))


@pytest.fixture
def caddy(live_server, tmp_path):
    binary = tool("caddy")
    port = free_port()
    config = tmp_path / "Caddyfile"
    # This test's own global options (no admin endpoint, no certificates), then the sample.
    config.write_text("{\n\tadmin off\n\tauto_https off\n}\n\n"
                      + (ROOT / "deploy" / "Caddyfile").read_text())
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path),
               HALO_SITE=f"http://127.0.0.1:{port}", HALO_UPSTREAM=live_server.removeprefix("http://"))
    proc = subprocess.Popen([binary, "run", "--config", str(config), "--adapter", "caddyfile"], env=env,
                            stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stderr:  # its log says when it serves
        lines.append(line)
        if "serving initial configuration" in line or proc.poll() is not None:
            break
    assert "serving initial configuration" in lines[-1], "".join(lines)
    threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep the pipe drained
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(20)


def test_caddy_sample_carries_websockets_and_request_ids(caddy):
    check_proxy(caddy, re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"))
