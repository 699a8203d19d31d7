"""Decode bytes under whatever charset label a real mailbox throws at us.

Bodies: the label when it works, then UTF-8, then (no usable label) a detector, then
cp1252. Raw 8-bit headers: UTF-8, the charsets the message declares (with their 8-bit
siblings for the same language), a detector over every raw header of the message, and
only then cp1252/latin-1. The detector is charset-normalizer, limited to charsets mail
is written in (it would otherwise call a short Shift_JIS file name UTF-16).
"""
import codecs
import re

from halo.mail.detect import detect
from halo.mail.jis import decode_iso2022jp, looks_like_iso2022jp

# Labels that routinely lie: senders say gb2312 but use GBK/GB18030 characters,
# say iso-8859-1 but mean windows-1252, say shift_jis but use Microsoft's cp932.
_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "euc-cn": "gb18030", "csgb2312": "gb18030", "chinese": "gb18030", "gb_2312-80": "gb18030",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "iso8859-1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "ansi_x3.4-1968": "cp1252",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "windows-31j": "cp932", "ms_kanji": "cp932", "csshiftjis": "cp932",
    "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
    "big5": "big5hkscs", "unicode-1-1-utf-7": "utf-7", "utf7": "utf-7",
    "iso-8859-8-i": "iso-8859-8", "tis-620": "cp874",
}
# Every ISO-2022-JP flavour goes through halo.mail.jis (CP932 and JIS X 0213 extensions).
_JIS_LABELS = {"iso-2022-jp", "csiso2022jp", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3",
               "iso-2022-jp-2004", "iso-2022-jp-ms", "cp50220", "cp50221", "cp50222",
               "iso2022jp", "iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2004"}
ISO2022JP = "iso2022_jp"
# Codecs Python knows but which are not mail charsets; a hostile label must not select them.
_REFUSED = {"idna", "punycode", "unicode_escape", "raw_unicode_escape", "undefined",
            "mbcs", "oem", "palmos", "utf_16_le", "utf_16_be"}
# 8-bit charsets a mailer of the same language writes when its label says something else.
_FAMILY = {
    "iso2022_jp": ("cp932", "euc_jp"), "cp932": ("euc_jp",), "euc_jp": ("cp932",),
    "gb18030": ("big5hkscs",), "big5hkscs": ("gb18030",), "cp949": (), "iso2022_kr": ("cp949",),
}
_MULTIBYTE = {"iso2022_jp", "cp932", "euc_jp", "gb18030", "big5hkscs", "big5", "cp949",
              "euc_jis_2004", "shift_jis_2004", "iso2022_kr", "utf_8", "utf_7"}
def normalise_label(label):
    """Return a usable Python codec name for a MIME charset label, or None if unknown."""
    if not label:
        return None
    clean = re.sub(r"[\"'\s]", "", str(label)).lower()
    if clean in _JIS_LABELS:
        return ISO2022JP
    clean = _ALIASES.get(clean, clean)
    try:
        info = codecs.lookup(clean)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
        return None
    return info.name


def _cp1252(data):
    # cp1252 leaves five bytes undefined; latin-1 maps everything, so fall back to it.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _strict(data, codec):
    if codec == ISO2022JP:
        if re.search(rb"[\x80-\xff]", data):
            raise UnicodeDecodeError(codec, data, 0, 1, "8-bit byte in a 7-bit charset")
        return decode_iso2022jp(data)
    return data.decode(codec)


def decode_bytes(data, label=None):
    """Decode bytes to text, trusting the label when it works and falling back sensibly."""
    if isinstance(data, str):
        return data
    data = bytes(data or b"")
    codec = normalise_label(label)
    candidates = [codec] if codec else []
    if codec == "cp1252":
        # Valid multi-byte UTF-8 under an ASCII/Latin-1 label is mislabelled UTF-8.
        candidates.insert(0, "utf-8")
    elif codec != "utf_8":
        candidates.append("utf-8")
    if codec:
        candidates[1:1] = _FAMILY.get(codec, ())
    elif looks_like_iso2022jp(data):
        candidates.insert(0, ISO2022JP)
    for name in candidates:
        try:
            return _strict(data, name)
        except (UnicodeDecodeError, LookupError):
            continue
    if codec == ISO2022JP:
        return decode_iso2022jp(data)
    if codec and codec not in ("utf_8", "cp1252", "utf-8"):
        return data.decode(codec, errors="replace")
    if codec == "utf_8" or _mostly_utf8(data):
        return data.decode("utf-8", errors="replace")
    if codec is None and len(data) >= 8:
        guess = detect(data)
        if guess:
            return guess
    return _cp1252(data)


def decode_header_bytes(data, declared=(), sample=None):
    """Raw 8-bit header bytes: UTF-8, declared charsets, the detector, then cp1252."""
    data = bytes(data)
    if looks_like_iso2022jp(data) and not re.search(rb"[\x80-\xff]", data):
        return decode_iso2022jp(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Multi-byte charsets first: a strict decode under them is evidence; a single-byte
    # one decodes anything, so it only wins when the message declares nothing better.
    for label in sorted(expand(declared), key=lambda c: c not in _MULTIBYTE):
        try:
            return _strict(data, label)
        except (UnicodeDecodeError, LookupError):
            continue
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="replace")
    guess = detect(data, sample if sample and data in sample else None)
    if guess is None and sample:
        guess = detect(data)
    return guess if guess is not None else _cp1252(data)


def expand(labels):
    """Codec names for declared labels, each followed by its same-language siblings."""
    out = []
    for label in labels:
        codec = normalise_label(label)
        for name in (codec, *_FAMILY.get(codec, ())) if codec else ():
            if name not in out:
                out.append(name)
    return out


_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _mostly_utf8(data):
    # A few broken sequences in otherwise valid UTF-8 mean damaged UTF-8, not cp1252.
    good = len(_UTF8_SEQ.findall(data))
    high = len(re.findall(rb"[\x80-\xff]", data))
    return good > 0 and good * 2 >= high - good
