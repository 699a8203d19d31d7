"""Auto-reply, bounce and spam signals from headers and report parts."""
import re

from halo.mail.headers import (
    first_id,
    header_text,
    parse_addresses,
    raw_header,
    raw_headers,
)
from halo.mail.parts import attached_message

_AUTO_FLAGS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply")
_DAEMON = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)$", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery (status notification|failure|has failed)|returned mail|"
    r"mail delivery failed|failure notice|non[- ]?remis|unzustellbar|nicht zustellbar)", re.I)
_BODY_ID = re.compile(r"(?im)^message-id:\s*(<[^>\s]+>)")


def _value(msg, name):
    return header_text(raw_header(msg, name, "")).lower()


def null_sender(msg):
    """True when Return-Path is the null reverse-path <> (bounces, receipts)."""
    paths = raw_headers(msg, "Return-Path")
    return bool(paths) and header_text(paths[0]).strip() in ("<>", "")


def _suppress_all(msg):
    # Outlook sets X-Auto-Response-Suppress on ordinary mail (e.g. "DR, RN"); only
    # "All" or an explicit OOF+AutoReply suppression marks a machine-sent message.
    tokens = {t.strip() for t in _value(msg, "X-Auto-Response-Suppress").split(",")}
    return "all" in tokens or {"oof", "autoreply"} <= tokens


def is_auto_reply(msg, bounce=False):
    """True for machine-sent mail (RFC 3834 Auto-Submitted, X-Autoreply and kin, Precedence,
    Outlook's X-Auto-Response-Suppress: All, null sender, DSN/MDN reports)."""
    auto_submitted = _value(msg, "Auto-Submitted").split(";")[0].strip()
    if auto_submitted and auto_submitted != "no":
        return True
    if any(_value(msg, h) not in ("", "no", "false", "0") for h in _AUTO_FLAGS):
        return True
    if _value(msg, "Precedence") in ("bulk", "junk", "list", "auto_reply"):
        return True
    if _suppress_all(msg) or null_sender(msg) or bounce:
        return True
    # Told by headers only: a person's "Out of office: printer broken" is a real message.
    return "disposition-notification" in _report_type(msg)


def _report_type(msg):
    try:
        if msg.get_content_type() == "multipart/report":
            return (msg.get_param("report-type") or "delivery-status").lower()
    except Exception:
        pass
    return ""


def is_bounce(msg, reports):
    """True for delivery status notifications (DSN) and classic MAILER-DAEMON bounces."""
    if "delivery-status" in _report_type(msg):
        return True
    if any("delivery-status" in ctype for ctype, _ in reports):
        return True
    sender = parse_addresses(raw_header(msg, "From", ""))
    local = sender[0]["address"].split("@")[0] if sender else ""
    subject = header_text(raw_header(msg, "Subject", ""))
    return bool(_DAEMON.match(local) or (null_sender(msg) and not sender)) and \
        bool(_BOUNCE_SUBJECT.search(subject) or reports)


def bounced_message_id(msg, messages, reports, raw_body):
    """Message-ID of the original mail a bounce refers to, or None."""
    for part in messages:
        inner = attached_message(part)
        found = first_id(raw_header(inner, "Message-ID")) if inner is not None else None
        if found:
            return found
    for ctype, text in reports:
        if ctype == "text/rfc822-headers":
            match = _BODY_ID.search(text)
            if match:
                return first_id(match.group(1))
    # Broken bounces (missing boundaries, plain-text quoting) still quote the header.
    match = _BODY_ID.search(raw_body)
    return first_id(match.group(1)) if match else None


def spam_signals(msg):
    """(verdict, score) from X-Spam-Flag / X-Spam-Status / X-Spam-Score headers."""
    verdict = score = None
    flag = _value(msg, "X-Spam-Flag") or _value(msg, "X-Spam")
    status = _value(msg, "X-Spam-Status")
    if flag:
        verdict = flag.startswith(("yes", "true", "1"))
    if status:
        verdict = status.startswith("yes") if verdict is None else verdict
        score = _number(re.search(r"(?:score|hits)=(-?[\d.]+)", status))
    if score is None:
        score = _number(re.search(r"-?\d+(?:\.\d+)?", _value(msg, "X-Spam-Score")))
    return verdict, score


def _number(match):
    try:
        return float(match.group(1) if match.groups() else match.group(0)) if match else None
    except ValueError:
        return None
