"""Decode bytes under whatever charset label a real mailbox throws at us."""
import codecs
import re

# Labels that routinely lie: senders say gb2312 but use GBK/GB18030 characters,
# say iso-8859-1 but mean windows-1252, say shift_jis but use Microsoft's cp932.
_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "euc-cn": "gb18030", "csgb2312": "gb18030", "chinese": "gb18030",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "iso8859-1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "ansi_x3.4-1968": "cp1252",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "windows-31j": "cp932", "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
    "big5": "big5hkscs", "iso-2022-jp": "iso2022_jp_ext", "unicode-1-1-utf-7": "utf-7",
    "utf7": "utf-7", "iso-8859-8-i": "iso-8859-8", "tis-620": "cp874",
}
# Codecs Python knows but which are not mail charsets; a hostile label must not select them.
_REFUSED = {"idna", "punycode", "unicode_escape", "raw_unicode_escape", "undefined",
            "mbcs", "oem", "palmos", "utf_16_le", "utf_16_be"}


def normalise_label(label):
    """Return a usable Python codec name for a MIME charset label, or None if unknown."""
    if not label:
        return None
    clean = re.sub(r"[\"'\s]", "", str(label)).lower()
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
    if codec == "iso2022_jp_ext":
        candidates.insert(1, "iso2022_jp_2")
    for name in candidates:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    if codec and codec not in ("utf_8", "cp1252", "utf-8"):
        return data.decode(codec, errors="replace")
    if codec == "utf_8" or _mostly_utf8(data):
        return data.decode("utf-8", errors="replace")
    return _cp1252(data)


def _mostly_utf8(data):
    # A few broken sequences in otherwise valid UTF-8 mean damaged UTF-8, not cp1252.
    good = len(re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", data))
    high = len(re.findall(rb"[\x80-\xff]", data))
    return good > 0 and good * 2 >= high - good
