"""Tolerant header decoding: RFC 2047 words (even malformed), addresses, ids, dates."""
import binascii
import datetime
import re
from email.utils import parseaddr, parsedate_to_datetime

from halo.mail.charsets import decode_bytes, decode_header_bytes
from halo.mail.jis import looks_like_iso2022jp
from halo.mail.neutral import neutralise

# Tolerant on purpose: spaces inside the text and missing separators between words occur.
_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_EMAIL = re.compile(r"[^\s<>\"'(),;:@]+@[\w-]+(?:\.[\w-]+)+", re.U)
_ID = re.compile(r"<([^<>\s]+)>")


def raw_to_text(value, hints=None):
    """Turn a raw header value (8-bit bytes smuggled as surrogates) into real text.

    `hints` (a Hints) names the charsets the message declares and holds every raw header
    of it for the detector; without it UTF-8, then the detector on the value alone.
    """
    if value is None:
        return ""
    value = str(value)
    try:
        raw = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value
    if re.search(rb"[\x80-\xff]", raw) or looks_like_iso2022jp(raw):
        if hints is None:
            return decode_header_bytes(raw)
        return decode_header_bytes(raw, hints.declared, hints.sample)
    return value


def _word_bytes(encoding, text):
    if encoding in "qQ":
        text = text.replace("_", " ")
        return re.sub(r"=([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)),
                      text).encode("latin-1", "replace")
    if re.search(r"[^A-Za-z0-9+/=\s]", text):
        return None  # not base64 at all: keep the word as literal text
    text = re.sub(r"[^A-Za-z0-9+/]", "", text)
    text = text[: len(text) - len(text) % 4] if len(text) % 4 == 1 else text
    try:
        return binascii.a2b_base64(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return b""


def decode_words(value, hints=None):
    """Decode RFC 2047 encoded words, joining adjacent ones so split characters survive."""
    text = re.sub(r"\r?\n(?=[ \t])", "", raw_to_text(value, hints)).replace("\r", "").replace("\n", " ")
    out, pending, charset, pos, after_word = [], b"", None, 0, False
    for m in _WORD.finditer(text):
        gap, word_charset = text[pos:m.start()], m.group(1).split("*")[0]
        data = _word_bytes(m.group(2), m.group(3))
        # Whitespace between two encoded words is folding, not content (RFC 2047 6.2).
        if pending and (data is None or word_charset != charset or not _blank(gap)):
            out.append(decode_bytes(pending, charset))
            pending = b""
        if not (after_word and _blank(gap) and data is not None):
            out.append(gap)
        if data is None:
            out.append(m.group(0))
        else:
            pending += data
            charset = word_charset
        pos, after_word = m.end(), data is not None
    if pending:
        out.append(decode_bytes(pending, charset))
    out.append(text[pos:])
    return "".join(out)


def _blank(gap):
    return not gap or gap.isspace()


def header_text(value, hints=None):
    """Decoded, unfolded single-line header text."""
    return re.sub(r"\s+", " ", decode_words(value, hints)).strip()


def split_address_list(text):
    """Split an address list on commas outside quotes, brackets, comments and encoded words."""
    parts, buf, quote, depth, angle, escaped = [], [], False, 0, False, False
    # An encoded word is one token: "=?iso-8859-1?Q?B=FCrling,_Hans?=" holds no separator.
    words = {m.start(): m.end() for m in _WORD.finditer(text)}
    i = 0
    while i < len(text):
        if i in words and not quote:
            buf.append(text[i:words[i]])
            i = words[i]
            continue
        ch = text[i]
        i += 1
        if escaped:
            escaped = False
        elif ch == "\\" and quote:
            escaped = True
        elif ch == '"' and not depth:
            quote = not quote
        elif not quote and ch in "()<>":
            depth += {"(": 1, ")": -1}.get(ch, 0)
            depth = max(depth, 0)
            angle = {"<": True, ">": False}.get(ch, angle)
        elif ch in ",;" and not (quote or depth or angle):
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return [p.strip() for p in parts if p.strip()]


def strip_comments(text):
    """Text without (comments), which RFC 5322 says carry no meaning; quotes respected."""
    if "(" not in text:
        return text
    out, depth, quote, escaped = [], 0, False, False
    for ch in text:
        if escaped:
            escaped = False
            if not depth:
                out.append(ch)
            continue
        if ch == "\\" and (quote or depth):
            escaped = True
            if not depth:
                out.append(ch)
            continue
        if ch == '"' and not depth:
            quote = not quote
        elif ch == "(" and not quote:
            depth += 1
            continue
        elif ch == ")" and depth:
            depth -= 1
            continue
        if not depth:
            out.append(ch)
    return re.sub(r"\s{2,}", " ", "".join(out)).strip() if not depth else text


def _one_address(chunk):
    chunk = strip_comments(chunk)  # "john@x.com (John)": the comment is not the name
    chunk = re.sub(r'^[^"<>:@]*:\s*', "", chunk)  # group syntax "Team: a@b, c@d;"
    bracket = re.search(r"<([^<>]*)>\s*(?:\([^()]*\)\s*)?$", chunk)
    if bracket:
        # The real mailbox is the one in angle brackets, whatever the display name claims.
        name, addr = chunk[: bracket.start()].strip(), bracket.group(1)
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = re.sub(r"\\(.)", r"\1", name[1:-1])
    else:
        name, addr = parseaddr(chunk)
        if not addr and "@" in chunk:
            addr = chunk
    name, addr = header_text(name), header_text(addr).strip("<> ")
    if addr and not _EMAIL.fullmatch(addr) and _EMAIL.search(addr):
        # Unbalanced quotes or brackets: salvage the mailbox, keep the rest as the name.
        found = _EMAIL.search(addr)
        name = name or re.sub(r'[<>"]', "", addr[:found.start()]).strip()
        addr = found.group(0)
    return name, addr


def parse_addresses(value, hints=None):
    """Parse an address header into [{"address", "name"}], decoding names after splitting."""
    if not value:
        return []
    result = []
    for chunk in split_address_list(re.sub(r"\r?\n", " ", raw_to_text(value, hints))):
        name, addr = _one_address(chunk)
        if "@" not in addr and ("@" in name or "<" in addr or "@" in header_text(chunk)):
            # The whole address hid inside an encoded word: decode first, then split.
            inner_name, inner_addr = _one_address(header_text(chunk))
            if "@" in inner_addr:
                name, addr = inner_name, inner_addr
        if addr or name:
            result.append({"address": neutralise(addr.strip()), "name": neutralise(name.strip()).strip()})
    return result


def parse_ids(value):
    """Message-IDs in a header, angle brackets and whitespace stripped."""
    text = raw_to_text(value or "")
    ids = _ID.findall(text)
    if not ids and text.strip():
        ids = [text.split()[0].strip("<>")]
    return [i for i in ids if i]


def first_id(value):
    """The first Message-ID in a header, or None."""
    ids = parse_ids(value)
    return ids[0] if ids else None


def parse_date(value):
    """Aware datetime for a Date header, or None when it is missing or nonsense."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(header_text(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when


def raw_header(msg, name, default=None):
    """First raw value of a header, bypassing the policy's strict (raising) parsers."""
    name = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == name:
            return value
    return default


def raw_headers(msg, name):
    """All raw values of a header, in order."""
    name = name.lower()
    return [value for key, value in msg.raw_items() if key.lower() == name]
