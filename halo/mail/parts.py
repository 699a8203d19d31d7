"""Walk a MIME tree into body texts, HTML and attachments without trusting its structure."""
import mimetypes
import re
from dataclasses import dataclass, field
from email.message import Message as LegacyMessage

from halo.mail.charsets import decode_bytes
from halo.mail.headers import header_text, raw_header
from halo.mail.neutral import neutralise
from halo.mail.repair import lenient_base64

MAX_DEPTH = 40  # deeper nesting is an attack or a loop, not a customer
# Files kept per message: 10,000 one-byte parts made every view of a ticket take seconds.
# The rest are counted, and stay in the stored original.
MAX_FILES = 100
# Names for parts that come without one, by content type ("image.png", "image-2.png").
_STEMS = {"image": "image", "audio": "audio", "video": "video", "text/calendar": "invite",
          "text/html": "attachment", "message": "message"}


@dataclass
class Attachment:
    """One attached or inline file of a message."""
    filename: str
    content_type: str
    size: int
    content_id: str | None = None
    inline: bool = False
    payload: bytes = field(default=b"", repr=False)
    index: int = 0  # its place among the message's files, to find it again in the original
    damaged: bool = False  # its base64 did not decode whole: the payload is what did


@dataclass
class Body:
    """What the walk collects: body texts, HTML bodies, files, attached messages, problems."""
    texts: list = field(default_factory=list)
    htmls: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # shown to the agent beside the message
    omitted: int = 0  # parts beyond max_files, left in the original
    names: dict = field(default_factory=dict)  # synthesised stems used so far
    html_owner: object = None  # the alternative the body's HTML came from


def safe_filename(name, hints=None):
    """Strip paths, controls, disguises and excess length from a sender-chosen file name."""
    name = neutralise(header_text(name or "", hints))
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".") or ""
    name = _DOUBLED.sub(r"\1", name)  # "image000.jpg.jpg": one extension is enough
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot and len(ext) < 10 else name[:200]
    return name


_DOUBLED = re.compile(r"(\.[A-Za-z0-9]{1,5})(?:\1)+$", re.I)


def _filename(part, hints=None):
    name = _param(part, "filename", "content-disposition") or _param(part, "name", "content-type")
    return safe_filename(name, hints) if name else ""


def _param(part, key, header):
    # Read from the raw header: the policy's parsed one has already turned raw 8-bit
    # names (Shift_JIS, GBK) into U+FFFD, and RFC 2231 values into the label's strict codec.
    raw = raw_header(part, header)
    if raw is None:
        return None
    legacy = LegacyMessage()
    try:
        # One character per byte, so the legacy parser leaves raw 8-bit bytes alone.
        legacy[header] = str(raw).encode("ascii", "surrogateescape").decode("latin-1")
        value = legacy.get_param(key, header=header)
    except Exception:  # malformed RFC 2231 parameters raise from deep in the email package
        return None
    if isinstance(value, tuple):  # RFC 2231 (charset, language, %-decoded as latin-1)
        data = value[2].encode("latin-1", "replace") if value[2] else b""
        return decode_bytes(data, value[0] or "utf-8")
    if isinstance(value, str):
        # Back to the surrogate form raw_to_text decodes with the message's charsets.
        raw_value = value.encode("latin-1", "replace").decode("ascii", "surrogateescape")
        return re.sub(r'^"|"$', "", raw_value)
    return None


def _disposition(part):
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def payload_bytes(part):
    """Decoded transfer-encoding payload of a leaf part (never raises)."""
    return _payload(part)[0]


def _payload(part):
    # (bytes, complete?): a base64 body that does not decode whole gives what did.
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        raw = part.get_payload()
        return (raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""), True
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64" and any(
            "Base64" in type(d).__name__ for d in getattr(part, "defects", ())):
        raw = part.get_payload()
        if isinstance(raw, str):
            return lenient_base64(raw.encode("utf-8", "surrogateescape"))
    return data, True


def part_text(part, body=None):
    """Decoded text of a text/* leaf part (a damaged one noted in `body.warnings`)."""
    try:
        charset = part.get_param("charset")
    except Exception:
        charset = None
    if isinstance(charset, tuple):
        charset = charset[2]
    data, complete = _payload(part)
    if not complete and body is not None:
        body.warnings.append("Part of this message could not be decoded (damaged base64); "
                             "what could be read is shown.")
    text = decode_bytes(data, charset)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def walk(msg, hints=None, max_files=MAX_FILES):
    """Collect the bodies and files of a parsed message (files beyond max_files counted)."""
    body = Body()
    _visit(msg, body, 0, _Context(hints=hints, max_files=max_files))
    return body


@dataclass(frozen=True)
class _Context:
    hints: object = None
    max_files: int = MAX_FILES
    related: bool = False
    alternative: object = None  # the nearest multipart/alternative above


def _visit(part, body, depth, ctx):
    if depth > MAX_DEPTH:
        body.problems.append("MIME nesting deeper than %d levels ignored" % MAX_DEPTH)
        return
    ctype = _content_type(part)
    if ctype.startswith("multipart/"):
        children = part.get_payload()
        if not isinstance(children, list):  # broken multipart: treat the lot as text
            body.texts.append(part_text(part, body))
            return
        inner = _Context(ctx.hints, ctx.max_files, ctx.related or ctype == "multipart/related",
                         part if ctype == "multipart/alternative" else ctx.alternative)
        for child in children:
            _visit(child, body, depth + 1, inner)
        return
    try:
        _leaf(part, ctype, body, ctx)
    except Exception as exc:  # one broken part must not lose the rest of the message
        body.problems.append("unreadable %s part: %s" % (ctype, exc))


def _content_type(part):
    try:
        return part.get_content_type().lower()
    except Exception:
        return "text/plain"


def _leaf(part, ctype, body, ctx):
    name, disp = _filename(part, ctx.hints), _disposition(part)
    if ctype in ("message/rfc822", "message/global"):
        body.messages.append(part)
    elif ctype in ("message/delivery-status", "message/global-delivery-status",
                   "text/rfc822-headers", "message/disposition-notification"):
        body.reports.append((ctype, part_text(part)))
        if ctype == "text/rfc822-headers":
            return
    if ctype == "text/plain" and not name and disp != "attachment":
        body.texts.append(part_text(part, body))
        return
    if ctype == "text/html" and not name and disp != "attachment" and _is_body_html(body, ctx):
        body.htmls.append(part_text(part, body))
        return
    if ctype.startswith("message/") and ctype not in ("message/rfc822", "message/global"):
        return
    if len(body.attachments) >= ctx.max_files:
        body.omitted += 1  # counted, not decoded: it stays in the stored original
        return
    body.attachments.append(_attachment(part, ctype, name, disp, body, ctx))


def _is_body_html(body, ctx):
    # The first HTML is the body; more HTML joins it only from the same rendering (Apple
    # Mail splits one HTML body around its images inside one alternative). Any other HTML
    # part is a file of its own: kept, never dropped or mixed into the body.
    if not body.htmls:
        body.html_owner = ctx.alternative
        return True
    return ctx.alternative is body.html_owner


def _attachment(part, ctype, name, disp, body, ctx):
    complete = True
    if ctype in ("message/rfc822", "message/global"):
        data = _message_bytes(part)
        if not name:
            name = _attached_subject(part) + ".eml"
        elif not name.lower().endswith((".eml", ".msg")):
            name += ".eml"
    else:
        data, complete = _payload(part)
    cid = header_text(raw_header(part, "Content-ID", "")).strip().strip("<>") or None
    inline = disp == "inline" or (disp != "attachment" and ctx.related and bool(cid))
    if not name:
        name = _synthesised_name(ctype, body)
    if not complete:
        body.warnings.append("%s could not be decoded whole (damaged base64): what could be "
                             "read was kept." % name)
    return Attachment(filename=name, content_type=ctype, size=len(data), content_id=cid,
                      inline=inline, payload=data, index=len(body.attachments), damaged=not complete)


def _extension(ctype):
    ext = mimetypes.guess_extension(ctype, strict=False) or ""
    return {".jpe": ".jpg", ".jpeg": ".jpg", ".htm": ".html", ".ksh": ".txt"}.get(ext, ext)


def _synthesised_name(ctype, body):
    stem = _STEMS.get(ctype) or _STEMS.get(ctype.split("/")[0]) or "attachment"
    count = body.names[stem] = body.names.get(stem, 0) + 1
    ext = _extension(ctype) or ".bin"
    return "%s%s%s" % (stem, "" if count == 1 else "-%d" % count, ext)


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
    # A subject is not a path: "Invoice 2026/03" must keep both halves.
    subject = re.sub(r"[\\/]+", "-", neutralise(subject))
    subject = re.sub(r'[:*?"<>|]+', "", subject)
    return safe_filename(re.sub(r"\s+", " ", subject))[:80].strip() or "message"
