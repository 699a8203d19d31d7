"""OAuth 2.0 sign-in for IMAP mailboxes (XOAUTH2): Microsoft 365, Google Workspace, or any
provider the admin describes.

The admin registers an app with the provider and enters its client id and secret; Halo
starts an authorization-code sign-in with PKCE (RFC 7636, S256) and a one-time state, keeps
the refresh token sealed like a mailbox password, and refreshes the access token before it
expires. oauthlib builds the requests and reads the answers (RFC 6749 errors included);
they travel through netguard, so a token URL an admin typed cannot reach a private address.
"""
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import gettext
from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.models import Mailbox, MailboxOAuth
from halo.services import netguard
from halo.services.email import sealed
from halo.services.errors import NotFound, ValidationError

PROVIDERS = {
    "microsoft": {
        "label": "Microsoft 365", "host": "outlook.office365.com", "port": 993,
        "authorize_url": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        "token_url": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        "scope": "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
        "extra": {},
    },
    "google": {
        "label": "Google Workspace", "host": "imap.gmail.com", "port": 993,
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://oauth2.googleapis.com/token",
        "scope": "https://mail.google.com/",
        # A refresh token is only issued for offline access, and again only on consent.
        "extra": {"access_type": "offline", "prompt": "consent"},
    },
    "custom": {"label": "Another OAuth 2.0 provider", "extra": {}},
}
SIGN_IN_MAX_AGE = timedelta(minutes=15)
REFRESH_MARGIN = timedelta(minutes=2)  # refresh a token this close to expiry
TOKEN_TIMEOUT = 20
TOKEN_MAX_BYTES = 64 * 1024


class SignInNeeded(Exception):
    """The mailbox has no usable token; an admin must sign in (again). Safe to show."""


def add_oauth_mailbox(provider: str, username: str, client_id: str, client_secret: str,
                      tenant: str = "", folder: str = "INBOX", host: str = "", port: str = "",
                      authorize_url: str = "", token_url: str = "", scope: str = "",
                      use_ssl: bool = True) -> Mailbox:
    """Add a mailbox that signs in with OAuth; it is polled once an admin has signed in."""
    preset = PROVIDERS.get(provider)
    if preset is None:
        raise ValidationError(gettext("Choose Microsoft 365, Google Workspace or another provider."))
    username, client_id = (username or "").strip(), (client_id or "").strip()
    if not username or not client_id or not client_secret:
        raise ValidationError(gettext("The mailbox address, the client id and the client secret are required."))
    if len(client_secret) > 512 or len(client_id) > 255:
        raise ValidationError(gettext("The client id or secret is too long."))
    tenant = (tenant or "").strip() or "organizations"
    if provider == "custom":
        host, scope = (host or "").strip(), " ".join((scope or "").split())
        authorize_url, token_url = _url(authorize_url, "authorization"), _url(token_url, "token")
        if not host or not scope:
            raise ValidationError(gettext("Enter the IMAP host and the scope the provider asks for."))
    else:
        if not all(c.isalnum() or c in "-." for c in tenant) or len(tenant) > 100:
            raise ValidationError(gettext("The tenant is a directory id or a domain such as contoso.com."))
        host, scope = preset["host"], preset["scope"]
        authorize_url = preset["authorize_url"].format(tenant=tenant)
        token_url = preset["token_url"].format(tenant=tenant)
        port, use_ssl = port or str(preset["port"]), True
    port_n = _port(port)
    try:
        netguard.check_host(host, port_n)
        netguard.check_host(urlsplit(token_url).hostname)
    except netguard.Refused as exc:
        raise ValidationError(str(exc)) from None
    box = Mailbox(host=host[:255], port=port_n, use_ssl=use_ssl, username=username[:254], password="",
                  folder=((folder or "").strip() or "INBOX")[:200], enabled=False)
    box.oauth = MailboxOAuth(provider=provider, client_id=client_id, client_secret=sealed.seal(client_secret),
                             tenant=tenant if provider == "microsoft" else "", authorize_url=authorize_url,
                             token_url=token_url, scope=scope[:500])
    db.session.add(box)
    db.session.commit()
    return box


def start_sign_in(mailbox_id: int, user_id: int, redirect_uri: str) -> str:
    """The provider's sign-in URL for this mailbox; remembers the state and PKCE verifier."""
    from oauthlib.oauth2 import OAuth2Error
    auth = _oauth_of(mailbox_id)
    client = _client(auth.client_id)
    verifier = client.create_code_verifier(64)
    state = secrets.token_urlsafe(32)
    try:
        url = client.prepare_request_uri(
            auth.authorize_url, redirect_uri=redirect_uri, scope=auth.scope, state=state,
            code_challenge=client.create_code_challenge(verifier, "S256"), code_challenge_method="S256",
            login_hint=auth.mailbox.username, **PROVIDERS[auth.provider]["extra"])
    except OAuth2Error as exc:  # InsecureTransportError: an http:// authorization URL
        raise ValidationError(gettext("The authorization URL cannot be used: %(description)s", description=exc.description)) from None
    auth.state_hash, auth.code_verifier = _digest(state), sealed.seal(verifier)
    auth.redirect_uri, auth.started_by, auth.started_at = redirect_uri, user_id, clock.now()
    db.session.commit()
    return url


def finish_sign_in(state: str, code: str, user_id: int, error: str = "",
                   error_description: str = "") -> Mailbox:
    """The provider sent the admin back: check the state, trade the code for tokens."""
    auth = db.session.scalar(select(MailboxOAuth).where(MailboxOAuth.state_hash == _digest(state or "")))
    if auth is None or not hmac.compare_digest(auth.state_hash or "", _digest(state or "")):
        raise ValidationError(gettext("This sign-in is unknown or was already used; start it again from Settings."))
    started_by, started_at, verifier = auth.started_by, auth.started_at, auth.code_verifier
    auth.state_hash = auth.code_verifier = None  # one use, whatever happens next
    db.session.commit()
    if started_by != user_id:
        raise ValidationError(gettext("This sign-in was started by another teammate; start it again yourself."))
    if started_at is None or clock.now() - started_at > SIGN_IN_MAX_AGE:
        raise ValidationError(gettext("This sign-in took too long; start it again from Settings."))
    if error:
        raise ValidationError(gettext("The provider did not sign you in: %(value)s", value=error_description or error))
    if not code:
        raise ValidationError(gettext("The provider sent no authorization code back."))
    client = _client(auth.client_id)
    body = client.prepare_request_body(code=code, redirect_uri=auth.redirect_uri,
                                       code_verifier=sealed.unseal(verifier),
                                       client_secret=sealed.unseal(auth.client_secret))
    try:
        token = _token_request(auth, client, body)
    except SignInNeeded as exc:
        raise ValidationError(str(exc)) from None
    if not token.get("refresh_token"):
        raise ValidationError(gettext("The provider gave no refresh token, so Halo could not keep the mailbox signed in (ask for offline access in the app's scopes)."))
    _keep(auth, token)
    auth.signed_in_at = clock.now()
    box = auth.mailbox
    box.enabled, box.last_error = True, None
    db.session.commit()
    return box


def access_token(box: Mailbox, now: datetime | None = None, force: bool = False) -> str:
    """A current access token for the mailbox, refreshed when it is close to expiry."""
    auth = box.oauth
    now = now or clock.now()
    if not auth.refresh_token:
        raise SignInNeeded("Not signed in yet: use Sign in on this mailbox.")
    if not force and auth.access_token and auth.expires_at and auth.expires_at - REFRESH_MARGIN > now:
        return sealed.unseal(auth.access_token)
    client = _client(auth.client_id)
    body = client.prepare_refresh_body(refresh_token=sealed.unseal(auth.refresh_token),
                                       client_id=auth.client_id,
                                       client_secret=sealed.unseal(auth.client_secret))
    token = _token_request(auth, client, body)
    _keep(auth, token, now)
    db.session.commit()
    return token["access_token"]


def xoauth2(username: str, token: str) -> bytes:
    """The SASL XOAUTH2 initial response (imaplib base64-encodes it)."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01".encode()


def _client(client_id: str):
    """oauthlib's client for the authorization code flow; oauthlib (~1 MB) loads on the first
    OAuth mailbox's sign-in or token refresh, not in every process."""
    from oauthlib.oauth2 import WebApplicationClient
    return WebApplicationClient(client_id)


def _token_request(auth: MailboxOAuth, client, body: str) -> dict:
    from oauthlib.oauth2 import OAuth2Error
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    try:
        resp = netguard.http_request("POST", auth.token_url, body=body, headers=headers,
                                     timeout=TOKEN_TIMEOUT, max_bytes=TOKEN_MAX_BYTES)
    except netguard.OutboundError as exc:
        raise netguard.OutboundError(gettext("The token endpoint could not be reached: %(exc)s", exc=exc)) from None
    text = resp.body.decode("utf-8", "replace")
    try:
        token = client.parse_request_body_response(text)
    except OAuth2Error as exc:
        if exc.error in ("invalid_grant", "invalid_client", "unauthorized_client"):
            raise SignInNeeded(f"Sign in again: the provider refused the token ({exc.error}: "
                               f"{exc.description or 'no reason given'}).") from None
        raise netguard.OutboundError(f"The token endpoint answered HTTP {resp.status}: "
                                     f"{exc.error} {exc.description or ''}".strip()) from None
    except (ValueError, json.JSONDecodeError):
        raise netguard.OutboundError(gettext("The token endpoint answered HTTP %(status)s with something that is not a token.", status=resp.status)) from None
    return dict(token)


def _keep(auth: MailboxOAuth, token: dict, now: datetime | None = None) -> None:
    """Seal what came back; a provider that rotates refresh tokens sends a new one."""
    auth.access_token = sealed.seal(token["access_token"])
    if token.get("refresh_token"):
        auth.refresh_token = sealed.seal(token["refresh_token"])
    try:
        seconds = int(token.get("expires_in") or 3600)
    except (TypeError, ValueError):
        seconds = 3600
    auth.expires_at = (now or clock.now()) + timedelta(seconds=max(seconds, 0))


def _oauth_of(mailbox_id: int) -> MailboxOAuth:
    box = db.session.get(Mailbox, mailbox_id)
    if box is None:
        raise NotFound(gettext("That mailbox does not exist."))
    if box.oauth is None:
        raise ValidationError(gettext("This mailbox signs in with a password, not OAuth."))
    return box.oauth


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _url(value: str, what: str) -> str:
    value = (value or "").strip()
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or len(value) > 500:
        raise ValidationError(gettext("Enter the provider's %(what)s URL (https://...).", what=what))
    from oauthlib.oauth2.rfc6749.utils import is_secure_transport
    if not is_secure_transport(value):  # oauthlib's rule (OAUTHLIB_INSECURE_TRANSPORT relaxes it)
        raise ValidationError(gettext("The %(what)s URL must use https://: the client secret and tokens travel over it.", what=what))
    return value


def _port(value) -> int:
    try:
        port = int(value or 993)
    except ValueError:
        raise ValidationError(gettext("The port must be a number.")) from None
    if not 0 < port < 65536:
        raise ValidationError(gettext("The port must be between 1 and 65535."))
    return port
