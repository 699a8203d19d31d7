"""Static files under content-hashed names, cached for a year and compressed once.

A page links `css/halo.3f9a1c2b7d10.css` (the name plus the first 12 hex digits of the
file's SHA-256): a browser keeps it `immutable` and never asks again until a deploy
changes the content, and with it the name. The plain name still answers, with `no-cache`
and an ETag, for links that cannot carry a hash. Each text file is compressed once per
process (Brotli and gzip) and served from memory: the static files are ~140 KB.

A name whose hash is not the current content's (a page rendered before a deploy, asking
during a rolling restart) gets today's file without the long cache, so nothing is pinned
under a name that does not match it.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
import threading
from dataclasses import dataclass, field

import brotli
from flask import Flask, Response, abort, request

YEAR = 365 * 24 * 3600
BROTLI_BEST_MAX = 256 * 1024
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")


@dataclass
class Asset:
    body: bytes
    mimetype: str
    digest: str
    mtime: float
    encoded: dict[str, bytes] = field(default_factory=dict)

    def encoding(self, name: str) -> bytes:
        """The body compressed with name ("br" or "gzip"), made once."""
        data = self.encoded.get(name)
        if data is None:
            # Brotli's best quality costs ~17 s on a 1 MB file (the vendored API reference):
            # large files get quality 6, 10% bigger and fifty times quicker.
            quality = 11 if len(self.body) <= BROTLI_BEST_MAX else 6
            data = brotli.compress(self.body, quality=quality) if name == "br" else gzip.compress(self.body, 9, mtime=0)
            self.encoded[name] = data
        return data

    @property
    def compressible(self) -> bool:
        return self.mimetype.startswith(COMPRESSIBLE) and len(self.body) > 256


class Assets:
    """The files under root, read when first asked for. reload: re-read a file whose
    modification time moved (the development server), at one stat per lookup."""

    def __init__(self, root: str, reload: bool = False):
        self.root = os.path.realpath(root)
        self.reload = reload
        self._files: dict[str, Asset] = {}
        self._lock = threading.Lock()

    def get(self, filename: str) -> Asset | None:
        asset = self._files.get(filename)
        if asset is not None and not self.reload:
            return asset
        path = os.path.realpath(os.path.join(self.root, filename))
        if not path.startswith(self.root + os.sep) or not os.path.isfile(path):
            return None
        mtime = os.stat(path).st_mtime
        if asset is None or asset.mtime != mtime:
            with open(path, "rb") as f:
                body = f.read()
            mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
            asset = Asset(body, mimetype, hashlib.sha256(body).hexdigest()[:12], mtime)
            with self._lock:
                self._files[filename] = asset
        return asset

    def hashed_name(self, filename: str) -> str:
        """filename with its content hash before the extension, or filename as given
        when there is no such file (url_for then builds the plain, revalidated link)."""
        asset = self.get(filename)
        if asset is None:
            return filename
        stem, ext = os.path.splitext(filename)
        return f"{stem}.{asset.digest}{ext}"

    def lookup(self, requested: str) -> tuple[Asset, bool] | None:
        """(the file, whether the name carries its current hash) for a requested name."""
        match = _HASHED.match(requested)
        if match:
            asset = self.get(match["stem"] + match["ext"])
            if asset is not None:
                return asset, asset.digest == match["digest"]
        asset = self.get(requested)
        return (asset, False) if asset is not None else None


def serve(assets: Assets, filename: str) -> Response:
    found = assets.lookup(filename)
    if found is None:
        abort(404)
    asset, immutable = found
    body, etag = asset.body, asset.digest
    encoding = None
    if asset.compressible:
        encoding = request.accept_encodings.best_match(("br", "gzip"))
        if encoding:
            body, etag = asset.encoding(encoding), f"{asset.digest}-{encoding}"
    response = Response(body, mimetype=asset.mimetype)
    response.set_etag(etag)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if asset.compressible:
        response.vary.add("Accept-Encoding")
    # immutable: never revalidated while fresh; no-cache: kept, but checked (a 304) each use.
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if immutable else "no-cache"
    return response.make_conditional(request)


def init_assets(app: Flask) -> Assets:
    """Serve halo/static at /static as the 'static' endpoint, and make url_for('static',
    filename=...) name the hashed file."""
    assets = Assets(os.path.join(app.root_path, "static"), reload=app.debug)
    app.add_url_rule("/static/<path:filename>", endpoint="static",
                     view_func=lambda filename: serve(assets, filename))

    @app.url_defaults
    def _hashed_static(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = assets.hashed_name(values["filename"])

    app.extensions["halo_assets"] = assets
    return assets
