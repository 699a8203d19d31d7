"""Address headers for outbound mail, built from (name, address) pairs, never from text.

A display name may hold commas, quotes, angle brackets, "@", or text that looks like an
encoded word ("=?utf-8?Q?a=2C_b@evil.test?="): however a receiving parser reads it, it
stays one display name before one address. ASCII names are quoted where RFC 5322 needs it
(formataddr); non-ASCII names, long ones and anything holding "=?" become RFC 2047 base64
encoded words, each within the 75-character limit. The header comes folded here, between
mailboxes and encoded words: the standard library's own refolding decodes the names and
re-encodes them so that "Müller, Jürgen <j@evil.test>;" becomes a second recipient.
"""
import base64
import re
from email.utils import formataddr

from halo.mail.neutral import neutralise

_ADDR = re.compile(r"^[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+$")
_CHUNK = 45  # bytes of UTF-8 per encoded word: 60 base64 characters + 12 of framing


class BadAddress(ValueError):
    """An address that cannot go into a header as one mailbox."""


def format_mailbox(name: str, address: str) -> str:
    """One mailbox for an address header: `address`, `"Name" <address>` or encoded words."""
    address = (address or "").strip()
    local, _, domain = address.rpartition("@")
    if local and not domain.isascii():
        try:  # an internationalised domain travels as its A-label (RFC 5891)
            address = local + "@" + domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise BadAddress(f"Not a mailbox address: {address!r}") from None
    if not _ADDR.match(address) or not address.isascii():
        raise BadAddress(f"Not a mailbox address: {address!r}")
    name = neutralise(re.sub(r"[\x00-\x1f\x7f]+", " ", name or "")).strip()
    if not name:
        return address
    quoted = formataddr((name, address))
    if name.isascii() and "=?" not in name and len(quoted) <= LINE:
        return quoted
    return f"{encoded_words(name)} <{address}>"


LINE = 76  # longest line of a folded header, below RFC 5322's 78


def encoded_words(text: str) -> str:
    """`text` as RFC 2047 "B" encoded words of UTF-8, split between characters."""
    words, chunk = [], b""
    for ch in text:
        data = ch.encode("utf-8")
        if len(chunk) + len(data) > _CHUNK:
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    return " ".join("=?utf-8?b?%s?=" % base64.b64encode(w).decode("ascii") for w in words)


def format_address_list(pairs, header: str = "To") -> str:
    """A To/Cc header value from (name, address) pairs, one mailbox per pair, folded
    ("\n ") between mailboxes and between the encoded words of a name."""
    mailboxes = []
    for name, address in pairs:
        mailbox = format_mailbox(name, address)
        # Encoded words carry no spaces: a mailbox made of them may fold between them.
        mailboxes.append(mailbox.split(" ") if mailbox.startswith("=?utf-8?b?") else [mailbox])
    lines, line = [], header + ":"
    for i, pieces in enumerate(mailboxes):
        for j, piece in enumerate(pieces):
            if j == len(pieces) - 1 and i < len(mailboxes) - 1:
                piece += ","
            if len(line) + 1 + len(piece) > LINE and not line.endswith(":"):
                lines.append(line)
                line = ""
            line += " " + piece
    lines.append(line)
    return "\n".join(lines)[len(header) + 2:]
