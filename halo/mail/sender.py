"""Who sent a message, and the Gmail/Outlook image placeholders in its plain text."""
import re

from halo.mail.headers import parse_addresses, raw_headers

_MAILBOX = re.compile(r"[^\s<>\"'(),;:@\[\]\\]+@[\w-]+(?:\.[\w-]+)+", re.U)
# Where the sender is read from, in order (RFC 5322 3.6.2: From, else Reply-To, Sender);
# the envelope sender is the ingest's fallback after these.
SENDER_HEADERS = ("From", "Reply-To", "Sender")


def find_sender(msg, hints=None) -> tuple[dict | None, str]:
    """({"address", "name"}, header) of the first valid mailbox, or (None, "")."""
    for header in SENDER_HEADERS:
        for value in raw_headers(msg, header):
            for entry in parse_addresses(value, hints):
                if _MAILBOX.fullmatch(entry["address"] or ""):
                    return entry, header.lower()
    return None, ""


def remove_placeholders(text: str, attachments) -> str:
    """Drop "[image: name.jpg]" (Gmail) and "[cid:...]" (Outlook) where that image is inline."""
    if "[" not in text:
        return text
    names = {a.filename for a in attachments if a.inline}
    cids = {a.content_id for a in attachments if a.inline and a.content_id}
    if not names and not cids:
        return text

    def drop(m):
        key, value = m.group(1).lower(), m.group(2).strip()
        return "" if (key == "image" and value in names) or (key == "cid" and value in cids) else m.group(0)
    out = re.sub(r"[ \t]?\[(image|cid)\s*:\s*([^\]\n]{1,300})\]", drop, text, flags=re.I)
    if out == text:
        return text
    # A line that held only the placeholder goes with it.
    return re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", out)
