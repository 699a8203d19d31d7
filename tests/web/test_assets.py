"""Bytes on the wire: static files under content-hashed names with a year's immutable cache,
compressed once; pages, fragments and JSON compressed for a browser that asks."""
import gzip
import hashlib
import os
import re
import urllib.request

import brotli
from backports import zstd

from halo.assets import Assets
from tests.factories import make_ticket

STATIC = os.path.join(os.path.dirname(__file__), "..", "..", "halo", "static")
LINKED = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _file(name: str) -> bytes:
    with open(os.path.join(STATIC, name), "rb") as f:
        return f.read()


def test_pages_link_every_static_file_by_its_content_hash(as_agent):
    make_ticket(subject="Hashed")
    links = LINKED.findall(as_agent.get("/inbox/open").text)
    assert len(links) >= 6  # the stylesheet, htmx, its socket extension, Halo's scripts
    for link in links:
        stem, digest, ext = re.fullmatch(r"/static/(.+)\.([0-9a-f]{12})(\.\w+)", link).groups()
        assert hashlib.sha256(_file(stem + ext)).hexdigest()[:12] == digest
        response = as_agent.get(link)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.data == _file(stem + ext)  # no Accept-Encoding: the file as it is


def test_a_static_file_is_sent_compressed_as_the_browser_asks(client):
    css = _file("css/halo.css")
    link = _hashed(client, "css/halo.css")
    br = client.get(link, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.data) == css
    assert "Accept-Encoding" in br.headers["Vary"]
    gz = client.get(link, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data) == css
    assert len(br.data) < len(css) / 3
    # Each encoding its own validator: a cache must not answer a gzip client with Brotli.
    assert br.headers["ETag"] != gz.headers["ETag"]
    again = client.get(link, headers={"Accept-Encoding": "br", "If-None-Match": br.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_plain_and_stale_names_are_served_but_revalidated(client):
    css = _file("css/halo.css")
    plain = client.get("/static/css/halo.css")
    assert plain.data == css and plain.headers["Cache-Control"] == "no-cache"
    # A page from before a deploy asks for the old hash: today's file, never pinned for a year.
    stale = client.get("/static/css/halo.000000000000.css")
    assert stale.data == css and stale.headers["Cache-Control"] == "no-cache"


def test_nothing_outside_the_static_folder_or_missing_is_served(client):
    for path in ("/static/../config.py", "/static/..%2fconfig.py", "/static/css/nope.css",
                 "/static/css/nope.0123456789ab.css", "/static/"):
        assert client.get(path).status_code == 404, path


def test_a_changed_file_gets_a_new_name_when_reloading(tmp_path):
    (tmp_path / "app.js").write_text("one();")
    assets = Assets(str(tmp_path), reload=True)
    first = assets.hashed_name("app.js")
    (tmp_path / "app.js").write_text("two();")
    os.utime(tmp_path / "app.js", (1, 1))  # a different modification time, whatever the clock
    second = assets.hashed_name("app.js")
    assert first != second and assets.lookup(second) == (assets.get("app.js"), True)
    assert assets.lookup(first)[1] is False


def test_pages_and_fragments_are_compressed_for_a_browser_that_asks(as_agent):
    make_ticket(subject="Compressed inbox")
    plain = as_agent.get("/inbox/open")
    assert "Content-Encoding" not in plain.headers
    page = as_agent.client.get("/inbox/open", headers={"Accept-Encoding": "zstd, br, gzip"})
    assert page.headers["Content-Encoding"] == "zstd"
    html = zstd.decompress(page.data).decode()
    assert "Compressed inbox" in html and len(page.data) < len(html) / 3
    fragment = as_agent.client.get("/inbox/open", headers={"HX-Request": "true", "Accept-Encoding": "gzip"})
    assert fragment.headers["Content-Encoding"] == "gzip"
    assert "Compressed inbox" in gzip.decompress(fragment.data).decode()


def test_a_served_halo_sends_brotli_to_a_real_http_client(live_server):
    request = urllib.request.Request(live_server + "/login", headers={"Accept-Encoding": "br"})
    with urllib.request.urlopen(request) as response:
        assert response.headers["Content-Encoding"] == "br"
        assert "Sign in" in brotli.decompress(response.read()).decode()


def _hashed(client, name: str) -> str:
    html = client.get("/login").text
    stem, ext = os.path.splitext(name)
    return re.search(rf'"(/static/{re.escape(stem)}\.[0-9a-f]{{12}}{re.escape(ext)})"', html).group(1)
