"""Parse raw RFC 5322 bytes into a ParsedEmail; also a CLI printing one JSON line per file."""
import functools
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.parser import BytesParser
from email.policy import EmailPolicy

from halo.mail import classify
from halo.mail.headers import (
    first_id,
    header_text,
    parse_addresses,
    parse_date,
    parse_ids,
    raw_header,
)
from halo.mail.hints import Hints
from halo.mail.htmltext import html_to_text
from halo.mail.parts import MAX_FILES, Attachment, walk
from halo.mail.repair import repair_headers
from halo.mail.reply import split_reply
from halo.mail.sanitize import sanitize_html
from halo.mail.sender import find_sender, remove_placeholders

__all__ = ["Attachment", "ParsedEmail", "EmailParseError", "parse_email", "parse_email_file",
           "parse_email_files", "main"]


class _Policy(EmailPolicy):
    """policy.default, but a header value seen before is not parsed again.

    The standard library parses a header afresh on every read: the walk, the bounce and
    auto-reply checks read each part's Content-Type many times, and nearly every message
    has the same few short Content-Type / Content-Disposition values. Parsed headers are
    immutable, so sharing them is safe; only short values are kept, in a bounded cache.
    """

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name") or len(value) > _CACHED_HEADER_LEN:
            return super().header_fetch_parse(name, value)
        return _cached_header(name, value)


_CACHED_HEADER_LEN = 200
_POLICY = _Policy()


@functools.lru_cache(maxsize=4096)
def _cached_header(name, value):
    return policy.default.header_fetch_parse(name, value)


class EmailParseError(ValueError):
    """Raised when bytes cannot be understood as an email at all."""


@dataclass
class ParsedEmail:
    """Everything Halo needs from one inbound message. Message-IDs carry no angle brackets."""
    from_address: str = ""
    from_name: str = ""
    to: list = field(default_factory=list)
    cc: list = field(default_factory=list)
    reply_to: list = field(default_factory=list)
    subject: str = ""
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list = field(default_factory=list)
    date: datetime | None = None
    text: str = ""
    reply_text: str = ""
    quoted_text: str = ""
    html: str = ""
    attachments: list = field(default_factory=list)
    auto_reply: bool = False
    auto_submitted: str | None = None
    is_bounce: bool = False
    bounced_message_id: str | None = None
    spam_verdict: bool | None = None
    spam_score: float | None = None
    list_id: str | None = None
    list_unsubscribe: str | None = None
    loop: str | None = None  # X-Halo-Loop: the domain of the Halo that sent it, if any
    sender_header: str = ""  # where from_address came from: from | reply-to | sender
    omitted_parts: int = 0  # files beyond the cap, left in the stored original
    warnings: list = field(default_factory=list)  # for the agent: damaged parts and the like
    problems: list = field(default_factory=list)

    def to_json(self, file=None):
        """The JSON-ready dict the CLI prints (attachments as file names)."""
        return {
            "file": file, "from": {"address": self.from_address, "name": self.from_name},
            "to": self.to, "cc": self.cc, "reply_to": self.reply_to, "subject": self.subject,
            "message_id": self.message_id, "in_reply_to": self.in_reply_to,
            "references": self.references, "date": self.date.isoformat() if self.date else None,
            "text": self.text, "reply_text": self.reply_text, "html": self.html,
            "attachments": [a.filename for a in self.attachments],
            "auto_reply": self.auto_reply, "is_bounce": self.is_bounce,
            "bounced_message_id": self.bounced_message_id,
            "spam_verdict": self.spam_verdict, "spam_score": self.spam_score,
            "list_id": self.list_id, "omitted_parts": self.omitted_parts,
            "warnings": self.warnings, "problems": self.problems,
        }


def parse_email(raw, cid_url=None, max_files=MAX_FILES):
    """Parse raw message bytes; `cid_url(content_id) -> url` rewrites inline cid: images.

    At most `max_files` parts become Attachments; the rest are counted in omitted_parts.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    if not isinstance(raw, (bytes, bytearray)) or not raw.strip():
        raise EmailParseError("empty message")
    raw, repaired = repair_headers(bytes(raw))
    try:
        msg = BytesParser(policy=_POLICY).parsebytes(raw)
    except Exception as exc:  # the feedparser is lenient; anything escaping is unparseable
        raise EmailParseError("unparseable message: %s" % exc) from exc
    if not list(msg.raw_items()):
        raise EmailParseError("no headers found: not an email")
    try:
        out = _build(msg, raw, cid_url, max_files)
    except RecursionError as exc:
        raise EmailParseError("message structure too deeply nested") from exc
    out.problems = repaired + out.problems
    return out


def _build(msg, raw, cid_url, max_files):
    out = ParsedEmail()
    hints = Hints(msg)
    _fill_headers(out, msg, hints)
    body = walk(msg, hints, max_files)
    html_raw = "\n".join(h for h in body.htmls if h.strip())
    plain = "\n\n".join(t.strip("\n") for t in body.texts if t.strip())
    out.text = plain if plain.strip() else html_to_text(html_raw)
    out.text = remove_placeholders(out.text, body.attachments)
    out.reply_text, out.quoted_text = split_reply(out.text)
    out.html = sanitize_html(html_raw, cid_url=cid_url)
    out.attachments, out.omitted_parts, out.warnings = body.attachments, body.omitted, body.warnings
    out.problems = body.problems + [type(d).__name__ for d in msg.defects]
    out.is_bounce = classify.is_bounce(msg, body.reports)
    if out.is_bounce:
        out.bounced_message_id = classify.bounced_message_id(
            msg, body.messages, body.reports, _body_of(raw))
    out.auto_reply = classify.is_auto_reply(msg, out.is_bounce)
    out.spam_verdict, out.spam_score = classify.spam_signals(msg)
    return out


def _fill_headers(out, msg, hints):
    sender, out.sender_header = find_sender(msg, hints)
    if sender:
        out.from_address, out.from_name = sender["address"], sender["name"]
    out.to = parse_addresses(raw_header(msg, "To"), hints)
    out.cc = parse_addresses(raw_header(msg, "Cc"), hints)
    out.reply_to = parse_addresses(raw_header(msg, "Reply-To"), hints)
    out.subject = header_text(raw_header(msg, "Subject", ""), hints)
    out.message_id = first_id(raw_header(msg, "Message-ID"))
    out.in_reply_to = first_id(raw_header(msg, "In-Reply-To"))
    out.references = parse_ids(raw_header(msg, "References"))
    out.date = parse_date(raw_header(msg, "Date"))
    out.auto_submitted = header_text(raw_header(msg, "Auto-Submitted", "")) or None
    out.list_id = header_text(raw_header(msg, "List-Id", "")) or None
    out.list_unsubscribe = header_text(raw_header(msg, "List-Unsubscribe", "")) or None
    out.loop = header_text(raw_header(msg, "X-Halo-Loop", "")).strip() or None


def _body_of(raw):
    # Bytes after the header block; only used to fish quoted headers out of broken bounces.
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at >= 0:
            return raw[at:].decode("utf-8", "replace")
    return ""


def parse_email_file(path):
    """Parse one file into the CLI dict, or {"file", "error"} when it cannot be parsed."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
        return parse_email(raw).to_json(path)
    except (OSError, EmailParseError) as exc:
        return {"file": path, "error": str(exc)}
    except Exception as exc:  # a parser bug must cost one file, not the batch
        return {"file": path, "error": "internal parser error: %r" % exc}


def parse_email_files(paths):
    """Yield the CLI dict for each path in turn."""
    for path in paths:
        yield parse_email_file(path)


def main(argv=None):
    """CLI: print one JSON object per file; exit 1 if any file failed."""
    paths = sys.argv[1:] if argv is None else list(argv)
    if not paths:
        print("usage: python -m halo.mail.parse FILE...", file=sys.stderr)
        return 2
    failed = False
    for result in parse_email_files(paths):
        failed = failed or "error" in result
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
