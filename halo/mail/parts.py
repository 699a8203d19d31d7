"""Walk a MIME tree into body texts, HTML and attachments without trusting its structure."""
import mimetypes
import re
from dataclasses import dataclass, field

from halo.mail.charsets import decode_bytes
from halo.mail.headers import header_text, raw_header

MAX_DEPTH = 40  # deeper nesting is an attack or a loop, not a customer


@dataclass
class Attachment:
    """One attached or inline file of a message."""
    filename: str
    content_type: str
    size: int
    content_id: str | None = None
    inline: bool = False
    payload: bytes = field(default=b"", repr=False)


@dataclass
class Body:
    """What the walk collects: body texts, HTML bodies, files, attached messages, problems."""
    texts: list = field(default_factory=list)
    htmls: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    problems: list = field(default_factory=list)


def safe_filename(name):
    """Strip paths, controls and excess length from a sender-chosen file name."""
    name = header_text(name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".") or ""
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot and len(ext) < 10 else name[:200]
    return name


def _filename(part):
    try:
        name = part.get_filename()
    except Exception:  # malformed RFC 2231 parameters raise from deep in the email package
        name = None
    if not name:
        try:
            name = part.get_param("name")
        except Exception:
            name = None
        if isinstance(name, tuple):  # RFC 2231 (charset, language, value)
            name = decode_bytes(name[2].encode("latin-1", "replace"), name[0])
    return safe_filename(name) if name else ""


def _disposition(part):
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def payload_bytes(part):
    """Decoded transfer-encoding payload of a leaf part (never raises)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        raw = part.get_payload()
        data = raw.encode("ascii", "surrogateescape") if isinstance(raw, str) else b""
    return data


def part_text(part):
    """Decoded text of a text/* leaf part."""
    try:
        charset = part.get_param("charset")
    except Exception:
        charset = None
    if isinstance(charset, tuple):
        charset = charset[2]
    text = decode_bytes(payload_bytes(part), charset)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def walk(msg):
    """Collect the bodies and files of a parsed message."""
    body = Body()
    _visit(msg, body, 0, related=False)
    return body


def _visit(part, body, depth, related):
    if depth > MAX_DEPTH:
        body.problems.append("MIME nesting deeper than %d levels ignored" % MAX_DEPTH)
        return
    ctype = _content_type(part)
    if ctype.startswith("multipart/"):
        children = part.get_payload()
        if not isinstance(children, list):  # broken multipart: treat the lot as text
            body.texts.append(part_text(part))
            return
        for child in children:
            _visit(child, body, depth + 1, related or ctype == "multipart/related")
        return
    try:
        _leaf(part, ctype, body, related)
    except Exception as exc:  # one broken part must not lose the rest of the message
        body.problems.append("unreadable %s part: %s" % (ctype, exc))


def _content_type(part):
    try:
        return part.get_content_type().lower()
    except Exception:
        return "text/plain"


def _leaf(part, ctype, body, related):
    name, disp = _filename(part), _disposition(part)
    if ctype in ("message/rfc822", "message/global"):
        body.messages.append(part)
    elif ctype in ("message/delivery-status", "message/global-delivery-status",
                   "text/rfc822-headers", "message/disposition-notification"):
        body.reports.append((ctype, part_text(part)))
        if ctype == "text/rfc822-headers":
            return
    is_body = ctype in ("text/plain", "text/html") and not name and disp != "attachment"
    if is_body:
        (body.texts if ctype == "text/plain" else body.htmls).append(part_text(part))
        return
    if ctype.startswith("message/") and ctype not in ("message/rfc822", "message/global"):
        return
    body.attachments.append(_attachment(part, ctype, name, disp, related))


def _attachment(part, ctype, name, disp, related):
    if ctype in ("message/rfc822", "message/global"):
        data = _message_bytes(part)
        name = name or _attached_subject(part) + ".eml"
    else:
        data = payload_bytes(part)
    cid = header_text(raw_header(part, "Content-ID", "")).strip().strip("<>") or None
    inline = disp == "inline" or (disp != "attachment" and related and bool(cid))
    if not name:
        ext = mimetypes.guess_extension(ctype) or ".bin"
        name = ("part" if not cid else re.sub(r"[^\w.-]", "_", cid.split("@")[0])) + ext
    return Attachment(filename=name, content_type=ctype, size=len(data), content_id=cid,
                      inline=inline, payload=data)


def attached_message(part):
    """The Message object inside a message/rfc822 part, or None."""
    inner = part.get_payload()
    if isinstance(inner, list):
        inner = inner[0] if inner else None
    return inner if hasattr(inner, "get") else None


def _message_bytes(part):
    inner = attached_message(part)
    try:
        return inner.as_bytes() if inner is not None else payload_bytes(part)
    except Exception:
        return payload_bytes(part)


def _attached_subject(part):
    inner = attached_message(part)
    subject = header_text(raw_header(inner, "Subject", "")) if inner is not None else ""
    return safe_filename(subject)[:80] or "message"
