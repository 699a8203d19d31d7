"""Which legacy charset wrote a handful of 8-bit bytes: charset-normalizer, with a tie-break.

charset-normalizer ranks candidates by "chaos" (and language coherence on longer text).
On a subject or a file name it has too few bytes: every candidate scores zero and the order
is arbitrary. Those ties are broken by how plausible each decoding reads: whole words in
one script, common CJK characters rather than rare ones, kana for Japanese, no symbols or
control characters where letters should be.
"""
import re
import unicodedata

# What the detector may answer: charsets mail is really written in, likeliest first
# (the order breaks exact ties).
DETECTABLE = ["utf_8", "cp1252", "cp932", "gb18030", "big5", "cp949", "euc_jp", "cp1250",
              "cp1251", "koi8_r", "koi8_u", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
              "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_15", "cp874"]
SHORT = 120  # bytes below which the detector's ranking cannot be trusted alone
_WORD = re.compile(r"\w+", re.U)


def detect(data: bytes, sample: bytes | None = None) -> str | None:
    """`data` decoded under the charset the detector finds for `sample` (or data), or None."""
    if not re.search(rb"[\x80-\xff]", data):
        return None
    import charset_normalizer  # only a part without a usable charset needs the detector

    try:
        matches = list(charset_normalizer.from_bytes(sample or data, cp_isolation=DETECTABLE))
    except Exception:  # a detector failure must never cost the message
        return None
    best = min((m.chaos for m in matches), default=None)
    names = []
    for m in matches:
        # The tied leaders; on a few dozen bytes the detector's measure is noise, so
        # every candidate competes.
        if m.chaos <= (best or 0) + 0.05 or len(sample or data) < SHORT:
            names += [c for c in m.could_be_from_charset if c in DETECTABLE or c == m.encoding]
    decoded = []
    for name in dict.fromkeys(names):
        try:
            decoded.append((name, data.decode(name)))
        except (UnicodeDecodeError, LookupError):
            continue
    if not decoded:
        return None
    order = {n: i for i, n in enumerate(DETECTABLE)}
    return max(decoded, key=lambda nt: (plausibility(nt[1], nt[0]), -order.get(nt[0], 99)))[1]


def plausibility(text: str, codec: str = "") -> float:
    """How much a decoding reads like words (per non-ASCII character; higher is better)."""
    score, count = 0.0, 0
    # Chinese and Japanese put no spaces between words; Korean does.
    spaced = len(re.findall(r"[\u4e00-\u9fff]\s+(?=[\u4e00-\u9fff])", text))
    for word in _WORD.findall(text) + re.findall(r"[^\w\s]", text):
        scripts = {_script(ch) for ch in word if ord(ch) > 0x7F}
        if not scripts:
            continue
        penalty = 0 if any(scripts <= group for group in _SCRIPT_GROUPS) else 2
        penalty += _odd_case(word) + (2 if unicodedata.category(word[0]) == "Mn" else 0)
        for ch in word:
            if ord(ch) > 0x7F:
                count += 1
                score += _char_score(ch, codec) - penalty
    return (score - spaced) / count if count else 0.0


# Scripts that share words in real writing (Japanese mixes kana and kanji, and so on).
_SCRIPT_GROUPS = [{"latin"}, {"kana", "cjk", "latin"}, {"cjk", "latin"}, {"hangul", "latin"},
                  {"cyrillic"}, {"greek"}, {"hebrew"}, {"arabic"}, {"thai"}]


def _odd_case(word: str) -> int:
    # Words are lower, UPPER or Capitalised; "ЕллзнйкЬ" is a wrong guess, not a word.
    cased = [ch for ch in word if ch.isalpha() and ch.lower() != ch.upper()]
    if len(cased) < 2:
        return 0
    rest = "".join(cased[1:])
    return 0 if rest.islower() or rest.isupper() and cased[0].isupper() else 1


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith(("HIRAGANA", "KATAKANA")) and "HALFWIDTH" not in name:
        return "kana"
    if name.startswith("CJK UNIFIED"):
        return "cjk"
    for script in ("LATIN", "CYRILLIC", "GREEK", "HANGUL", "HEBREW", "ARABIC", "THAI"):
        if name.startswith(script):
            return script.lower()
    return "other"


def _char_score(ch: str, codec: str) -> float:
    script = _script(ch)
    if script == "kana":
        return 2.0 if codec in _JAPANESE or not codec else 0.5  # GB 2312 has kana too
    if script == "cjk":
        return 1.5 if _common_hanzi(ch, codec) else 0.2
    if script == "hangul":
        return 1.5 if _encodes(ch, "euc_kr") else -1.0  # outside KS X 1001: a rare syllable
    if script != "other":
        return -1.0 if unicodedata.category(ch) == "Nd" else 1.0
    category = unicodedata.category(ch)
    if category == "Nd":
        return -1.0  # Thai or Arabic digits inside a word of letters
    if category in ("Cc", "Co", "Cn", "Cs"):
        return -3.0
    return -1.0  # symbols and half-width kana where letters should be


# Level 1 of GB 2312 (0xB0-0xD7), of JIS X 0208 (0x88-0x98 in Shift_JIS), Big5's frequent
# characters (0xA4-0xC6): what nearly all real text is written with. Bytes of another
# charset read under the wrong one land mostly outside them.
_COMMON = {"gb18030": ("gb2312", 0xB0, 0xD7), "big5": ("big5", 0xA4, 0xC6),
           "cp932": ("cp932", 0x88, 0x98), "euc_jp": ("cp932", 0x88, 0x98)}


_JAPANESE = {"cp932", "euc_jp", "iso2022_jp"}


def _common_hanzi(ch: str, codec: str) -> bool:
    table = [_COMMON[codec]] if codec in _COMMON else _COMMON.values()
    for name, low, high in table:
        try:
            lead = ch.encode(name)[0]
        except UnicodeEncodeError:
            continue
        if low <= lead <= high:
            return True
    return False


def _encodes(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
        return True
    except UnicodeEncodeError:
        return False
