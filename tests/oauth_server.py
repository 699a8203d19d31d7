"""A local OAuth 2.0 authorization server for tests, playing Microsoft or Google's part.

Authorization code with PKCE (S256) and state, refresh tokens (rotated), and an RFC 7662
introspection endpoint that dovecot's oauth2 passdb asks about every XOAUTH2 login. It
checks what a real provider checks: the client secret, the redirect URI, the verifier
against the challenge, a code used once, a revoked refresh token.
"""
import base64
import hashlib
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


class OAuthServer:
    def __init__(self, client_id="halo-app", client_secret="app-secret", username="support@acme.test"):
        self.client_id, self.client_secret, self.username = client_id, client_secret, username
        self.codes, self.refresh, self.access = {}, {}, set()
        self.authorize_requests, self.token_requests, self.introspections = [], [], []
        self.expires_in = 3600
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def start(self) -> "OAuthServer":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def revoke_all(self) -> None:
        """The admin revoked the app's consent: no token works any more."""
        with self.lock:
            self.refresh.clear()
            self.access.clear()

    def authorize(self, url: str) -> str:
        """The user signs in and consents: the redirect back to Halo (code and state)."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        self.authorize_requests.append(query)
        assert query["response_type"] == "code" and query["client_id"] == self.client_id
        assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": query["code_challenge"], "redirect_uri": query["redirect_uri"]}
        return query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})

    def _issue(self) -> dict:
        access, refresh = "at-" + secrets.token_urlsafe(24), "rt-" + secrets.token_urlsafe(24)
        self.access.add(access)
        self.refresh[refresh] = True
        return {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
                "expires_in": self.expires_in, "scope": "imap offline_access"}

    def token(self, form: dict) -> tuple[int, dict]:
        self.token_requests.append(form)
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 401, {"error": "invalid_client", "error_description": "bad client credentials"}
        with self.lock:
            if form.get("grant_type") == "authorization_code":
                grant = self.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if grant is None or grant["redirect_uri"] != form.get("redirect_uri") or grant["challenge"] != challenge:
                    return 400, {"error": "invalid_grant", "error_description": "code, redirect or verifier wrong"}
                return 200, self._issue()
            if form.get("grant_type") == "refresh_token":
                if not self.refresh.pop(form.get("refresh_token", ""), None):
                    return 400, {"error": "invalid_grant", "error_description": "refresh token revoked"}
                self.access.clear()  # the old access token dies with its refresh token
                return 200, self._issue()
        return 400, {"error": "unsupported_grant_type"}

    def introspect(self, form: dict) -> dict:
        token = form.get("token", "")
        self.introspections.append(token)
        with self.lock:
            active = token in self.access
        return {"active": True, "username": self.username, "client_id": self.client_id} if active else {"active": False}

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                path = urlsplit(self.path).path
                if path == "/token":
                    status, body = server.token(form)
                elif path == "/introspect":
                    status, body = 200, server.introspect(form)
                else:
                    status, body = 404, {"error": "not_found"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
