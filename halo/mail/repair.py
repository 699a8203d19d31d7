"""Repairs for input real mailers break: header blocks and base64 bodies.

A header block can carry a stray first line (a blank line, an mbox separator damaged by a
gateway, a line of junk) or a folded line that lost its leading whitespace; the standard
parser then ends the headers early, or finds none and calls the mail "not an email".
A base64 part can be cut or corrupted in transit; the standard decoder then returns the
undecoded text. Both are repaired conservatively and every repair is reported.
"""
import binascii
import re

# A header field: printable ASCII name without spaces, then a colon (RFC 5322 2.2).
_FIELD = re.compile(rb"^[!-9;-~]+:")
# Names that prove a header block follows (a body line rarely starts with one of these).
_KNOWN = re.compile(
    rb"^(from|to|cc|bcc|subject|date|message-id|in-reply-to|references|reply-to|sender|"
    rb"return-path|received|mime-version|content-[a-z-]+|x-[!-9;-~]+|list-[a-z-]+|"
    rb"delivered-to|envelope-to|thread-topic|thread-index|importance|priority|user-agent|"
    rb"organization|dkim-signature|arc-[a-z-]+|authentication-results|resent-[a-z-]+|"
    rb"precedence|auto-submitted|disposition-notification-to|comments|keywords):", re.I)
MAX_STRAY = 5  # lines of junk tolerated before the first header
_B64_CHUNK = re.compile(rb"[A-Za-z0-9+/]+")


def repair_headers(raw: bytes) -> tuple[bytes, list[str]]:
    """(raw with its header block mended, what was mended); raw itself when nothing was."""
    end = _block_end(raw)
    head = raw[:end]
    lines = head.split(b"\n")
    start = _first_header(lines)
    problems = []
    if start:
        problems.append("%d stray line(s) before the headers ignored" % start)
        lines = lines[start:]
    mended = _mend_folds(lines)
    if mended:
        problems.append("%d folded header line(s) without leading whitespace joined" % mended)
    if not problems:
        return raw, []
    return b"\n".join(lines) + raw[end:], problems


def _block_end(raw: bytes) -> int:
    # Where the header block ends: the first empty line after at least one header line.
    match = re.search(rb"[!-9;-~]+:.*?(\r?\n\r?\n)", raw[:256 * 1024], re.S)
    return match.start(1) if match else min(len(raw), 256 * 1024)


def _first_header(lines: list[bytes]) -> int:
    # An mbox "From " line is the parser's own business (unixfrom); blank or junk lines
    # before a real header block are skipped when a known header follows them.
    for i, line in enumerate(lines[:MAX_STRAY + 1]):
        text = line.rstrip(b"\r")
        if i == 0 and text.startswith(b"From "):
            return 0
        if _FIELD.match(text):
            return i if i and _KNOWN.match(text) else 0
    return 0


def _mend_folds(lines: list[bytes]) -> int:
    """Give a leading space to lines inside the block that are neither fields nor folds."""
    mended = 0
    for i in range(1, len(lines)):
        text = lines[i].rstrip(b"\r")
        if not text.strip():
            break
        if text[:1] in (b" ", b"\t") or _FIELD.match(text):
            continue
        if i == 0 or (i == 1 and lines[0].startswith(b"From ")):
            continue
        if not _header_follows(lines, i + 1):
            break  # the body starts here without its blank line: leave it to the parser
        lines[i] = b" " + lines[i]
        mended += 1
    return mended


def _header_follows(lines: list[bytes], start: int) -> bool:
    for line in lines[start:start + 20]:
        text = line.rstrip(b"\r")
        if not text.strip():
            return False
        if _KNOWN.match(text):
            return True
        if _FIELD.match(text) or text[:1] in (b" ", b"\t"):
            continue
    return False


def lenient_base64(data: bytes) -> tuple[bytes, bool]:
    """(what decodes, complete?): each line's valid prefix; stray characters dropped."""
    pieces, complete = [], True
    for line in data.splitlines():
        line = line.strip()
        if not line:
            continue
        body = line.rstrip(b"=")
        match = _B64_CHUNK.match(body)
        valid = match.group(0) if match else b""
        if valid != body:
            complete = False
        pieces.append(valid)
    stream = b"".join(pieces)
    usable = len(stream) - len(stream) % 4
    out = binascii.a2b_base64(stream[:usable]) if usable else b""
    rest = stream[usable:]
    if len(rest) >= 2:  # a final group of 2 or 3 characters still holds 1 or 2 bytes
        out += binascii.a2b_base64(rest + b"=" * (4 - len(rest)))
    elif rest:
        complete = False
    return out, complete
