"""Outbound connections: refused addresses after resolution, one lookup, the allow-list, and
HTTP with no redirects followed, a deadline and a bounded body, against real local servers."""
import ipaddress
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from halo.services import netguard
from halo.services.netguard.addresses import AllowList, permitted


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1",
    "fe80::1", "fc00::1", "fd12:3456::1", "0.0.0.0", "::", "100.64.0.1", "224.0.0.1", "ff02::1",
    "240.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.2.1", "2001:db8::1",
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "192.0.0.192",
    "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1",
    "::127.0.0.1", "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo carrying 10.0.0.1
])
def test_non_public_addresses_are_refused(address):
    assert netguard.refusal_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111",
                                     "::ffff:8.8.8.8", "64:ff9b::808:808"])
def test_public_addresses_pass(address):
    assert netguard.refusal_reason(ipaddress.ip_address(address)) is None


def test_metadata_is_named_and_reached_only_through_an_address_entry():
    meta = ipaddress.ip_address("169.254.169.254")
    assert "metadata" in netguard.refusal_reason(meta)
    assert "metadata" in netguard.refusal_reason(ipaddress.ip_address("::ffff:169.254.169.254"))
    # A name an admin trusts may not lead to the metadata service (DNS can be changed)...
    assert permitted("imap.internal", meta, AllowList.parse("imap.internal")) is not None
    assert permitted("imap.internal", ipaddress.ip_address("10.0.0.5"),
                     AllowList.parse("IMAP.Internal.")) is None
    # ...the address itself, written by the admin, may.
    assert permitted("x", meta, AllowList.parse("169.254.169.254")) is None
    assert permitted("x", ipaddress.ip_address("10.9.8.7"), AllowList.parse("a.b, 10.0.0.0/8")) is None
    assert permitted("x", ipaddress.ip_address("11.0.0.1"), AllowList.parse("10.0.0.0/8")) is None
    assert permitted("x", ipaddress.ip_address("192.168.0.1"), AllowList.parse("10.0.0.0/8"))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.1", "2130706433", "0x7f.1",
                                  "[::1]", "::ffff:127.0.0.1", "0.0.0.0", "169.254.169.254"])
def test_every_spelling_of_a_refused_host_is_refused_after_resolution(app, host):
    with pytest.raises(netguard.Refused, match="HALO_OUTBOUND_ALLOW"):
        netguard.connect(host, 9, timeout=2)
    with pytest.raises(netguard.Refused):
        netguard.check_host(host)


def test_a_name_that_does_not_resolve_is_an_error_but_not_a_refusal(app):
    with pytest.raises(netguard.OutboundError, match="Cannot find the host") as caught:
        netguard.connect("no-such-host.invalid", 993, timeout=2)
    assert not isinstance(caught.value, netguard.Refused)
    netguard.check_host("no-such-host.invalid")  # the poll will say so later; not refused now
    with pytest.raises(netguard.OutboundError, match="not a host name"):
        netguard.connect("evil.test\r\nX: y", 993, timeout=2)


@pytest.fixture
def listener():
    """A real TCP listener on 127.0.0.1 that records who connected."""
    server = socket.create_server(("127.0.0.1", 0))
    yield server
    server.close()


def test_the_socket_connects_to_the_one_checked_address(app, listener, monkeypatch):
    """DNS rebinding: the first answer is checked and used; a second lookup never happens."""
    port = listener.getsockname()[1]
    answers = [[("127.0.0.1", port)], [("127.0.0.2", port)]]
    calls = []
    real = socket.getaddrinfo

    def fake_dns(host, p, *args, **kwargs):
        if host != "rebind.test":
            return real(host, p, *args, **kwargs)
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", addr) for addr in answers[len(calls) - 1]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    app.config["HALO_OUTBOUND_ALLOW"] = "127.0.0.1/32"
    sock = netguard.connect("rebind.test", port, timeout=5)
    try:
        assert sock.getpeername() == ("127.0.0.1", port) and calls == ["rebind.test"]
    finally:
        sock.close()


def test_a_mixed_answer_uses_only_the_allowed_addresses(app, listener, monkeypatch):
    port = listener.getsockname()[1]
    trap = socket.create_server(("127.0.0.2", port))  # would take the connection if tried
    trap.setblocking(False)
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, p, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", port)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))] if host == "mixed.test"
        else real(host, p, *a, **k))
    app.config["HALO_OUTBOUND_ALLOW"] = "127.0.0.1"
    try:
        sock = netguard.connect("mixed.test", port, timeout=5)
        assert sock.getpeername()[0] == "127.0.0.1"
        sock.close()
        with pytest.raises(BlockingIOError):
            trap.accept()  # nobody knocked on the refused address
    finally:
        trap.close()


def test_an_allow_listed_loopback_host_connects(app, listener):
    port = listener.getsockname()[1]
    app.config["HALO_OUTBOUND_ALLOW"] = "localhost"
    sock = netguard.connect("localhost", port, timeout=5)
    sock.close()
    with pytest.raises(netguard.Refused):  # the name is allowed, not every loopback spelling
        netguard.connect("127.0.0.1", port, timeout=5)


# --- HTTP -------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    seen = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Handler.seen.append(self.path)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/big":
            self._body(b"x" * 5000)
        elif self.path == "/big-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(10):
                self.wfile.write(b"3e8\r\n" + b"y" * 1000 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            stop = threading.Event()
            for _ in range(100000):
                try:
                    self.wfile.write(b"z")
                    self.wfile.flush()
                except OSError:
                    return
                stop.wait(0.02)
        else:
            self._body(f"hello {self.path} {self.headers.get('X-Halo')}".encode())

    def do_POST(self):
        data = self.rfile.read(int(self.headers["Content-Length"]))
        self._body(b"got " + data, status=201)

    def _body(self, data, status=200):
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def web(app):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["HALO_OUTBOUND_ALLOW"] = "127.0.0.1"
    Handler.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_request_and_post(web):
    got = netguard.http_request("GET", web + "/hi?x=1#frag", headers={"X-Halo": "yes"}, timeout=5)
    assert (got.status, got.body) == (200, b"hello /hi?x=1 yes")
    assert got.header("content-length") == str(len(got.body)) and got.location is None
    posted = netguard.http_request("post", web + "/hook", body=b'{"a": 1}',
                                   headers={"Content-Type": "application/json"}, timeout=5)
    assert (posted.status, posted.body) == (201, b'got {"a": 1}')


def test_http_redirects_are_returned_not_followed(web):
    got = netguard.http_request("GET", web + "/redirect", timeout=5)
    assert got.status == 302 and got.location == "http://169.254.169.254/latest/meta-data/"
    assert Handler.seen == ["/redirect"]


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
def test_http_response_is_bounded(web, path):
    with pytest.raises(netguard.ResponseTooLarge):
        netguard.http_request("GET", web + path, timeout=5, max_bytes=4000)
    assert len(netguard.http_request("GET", web + path, timeout=5, max_bytes=20000).body) >= 5000


def test_http_deadline_covers_a_body_that_trickles(web):
    """Each byte comes well within the socket timeout; the deadline of the whole exchange ends it."""
    with pytest.raises(netguard.OutboundError, match="timed out"):
        netguard.http_request("GET", web + "/trickle", timeout=0.5, max_bytes=200000)


def test_http_silent_server_times_out(app, listener):
    app.config["HALO_OUTBOUND_ALLOW"] = "127.0.0.1"
    with pytest.raises(netguard.OutboundError, match="timed out"):
        netguard.http_request("GET", f"http://127.0.0.1:{listener.getsockname()[1]}/", timeout=0.3)


def test_http_refuses_before_sending_anything(app, web):
    app.config["HALO_OUTBOUND_ALLOW"] = ""
    with pytest.raises(netguard.Refused):
        netguard.http_request("GET", web + "/secret", timeout=5)
    with pytest.raises(netguard.Refused):
        netguard.http_request("GET", "http://169.254.169.254/latest/meta-data/", timeout=5)
    assert Handler.seen == []


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "file:///etc/passwd", "http://", "127.0.0.1/x",
                                 "http://user:pw@127.0.0.1/", "http://127.0.0.1:99999/",
                                 "gopher://127.0.0.1:70/"])
def test_http_bad_urls_are_clear_errors(web, url):
    with pytest.raises(netguard.OutboundError):
        netguard.http_request("GET", url, timeout=5)
    assert Handler.seen == []


def test_http_header_injection_and_bad_methods_are_refused(web):
    with pytest.raises(netguard.OutboundError, match="not valid"):
        netguard.http_request("GET", web + "/", headers={"X-Halo": "a\r\nHost: evil"}, timeout=5)
    with pytest.raises(netguard.OutboundError, match="not an HTTP method"):
        netguard.http_request("GET / HTTP/1.1\r\n", web + "/", timeout=5)
    assert Handler.seen == []


def test_https_verifies_the_certificate(app, tmp_path):
    """A TLS server with a self-signed certificate is not trusted."""
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["HALO_OUTBOUND_ALLOW"] = "127.0.0.1"
    try:
        with pytest.raises(netguard.OutboundError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
            netguard.http_request("GET", f"https://127.0.0.1:{server.server_address[1]}/", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert Handler.seen == []


def _self_signed(tmp_path):
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)
