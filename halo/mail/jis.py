"""ISO-2022-JP as Japanese mailers really write it: JIS X 0208 with Microsoft's (CP932)
extensions, JIS X 0213, JIS X 0212 and half-width katakana, segment by segment.

Python's iso2022_jp codecs refuse NEC row 13 (①, ㈱, №) and the IBM extensions that
Outlook and Windows mailers put into "ISO-2022-JP" (CP50220/CP50221), and decode 0x2141
as WAVE DASH where the writer typed a FULLWIDTH TILDE. Each JIS X 0208 pair is mapped to
its Shift_JIS bytes and decoded as CP932, which is how those writers encoded it; JIS X
0213 planes go through Python's iso2022_jp_2004 codec, JIS X 0212 through iso2022_jp_2.
"""
import re

# The escape sequences of ISO-2022-JP and its extensions (RFC 1468, 2237, JIS X 0213).
_ESC = re.compile(rb"\x1b(\(B|\(J|\(H|\(I|\$@|\$B|&@\x1b\$B|\$\(D|\$\(O|\$\(Q|\$\(P|\$\(B|\$A|\.A|\.F|N.)",
                  re.S)
_ASCII, _KANA, _JIS0208, _JIS0212, _JIS0213_1, _JIS0213_2, _OTHER = range(7)
_MODES = {b"(B": _ASCII, b"(J": _ASCII, b"(H": _ASCII, b"(I": _KANA, b"$@": _JIS0208,
          b"$B": _JIS0208, b"&@\x1b$B": _JIS0208, b"$(B": _JIS0208, b"$(D": _JIS0212,
          b"$(O": _JIS0213_1, b"$(Q": _JIS0213_1, b"$(P": _JIS0213_2}


def looks_like_iso2022jp(data: bytes) -> bool:
    """True for 7-bit text holding ISO-2022-JP escapes (raw in headers of old mailers)."""
    return b"\x1b$B" in data or b"\x1b$@" in data or b"\x1b$(" in data


def _sjis_pair(j1: int, j2: int) -> bytes:
    # JIS row/cell bytes to Shift_JIS (JIS X 0208 Appendix 1 arithmetic).
    s1 = (j1 - 0x21) // 2 + 0x81
    if s1 > 0x9F:
        s1 += 0x40
    if j1 % 2:
        s2 = j2 + 0x1F + (1 if j2 >= 0x60 else 0)
    else:
        s2 = j2 + 0x7E
    return bytes((s1, s2))


def _jis0208(chunk: bytes) -> str:
    out = []
    for i in range(0, len(chunk) - 1, 2):
        j1, j2 = chunk[i], chunk[i + 1]
        if 0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E:
            out.append(_sjis_pair(j1, j2).decode("cp932", "replace"))
        else:
            out.append("\ufffd")
    if len(chunk) % 2:
        out.append("\ufffd")
    return "".join(out)


def _kana(chunk: bytes) -> str:
    return bytes(b + 0x80 if 0x21 <= b <= 0x5F else b for b in chunk).decode("cp932", "replace")


def _via_codec(escape: bytes, chunk: bytes, codec: str) -> str:
    try:
        return (b"\x1b" + escape + chunk + b"\x1b(B").decode(codec)
    except UnicodeDecodeError:
        return _jis0208(chunk)  # plane 1 of JIS X 0213 is a superset of JIS X 0208


def decode_iso2022jp(data: bytes) -> str:
    """Decode ISO-2022-JP (and CP50220/50221, ISO-2022-JP-3/2004) leniently."""
    data = bytes(data)
    if re.search(rb"\x1b(\.|N)", data):  # ISO-2022-JP-2's G2 sets: the stdlib codec has them
        try:
            return data.decode("iso2022_jp_2")
        except UnicodeDecodeError:
            pass
    out, mode, escape, pos, shifted = [], _ASCII, b"", 0, False
    for m in list(_ESC.finditer(data)) + [None]:
        end = m.start() if m else len(data)
        out.append(_segment(data[pos:end], mode, escape))
        if m is None:
            break
        escape, pos = m.group(1), m.end()
        mode = _MODES.get(escape, _OTHER)
    text = "".join(out)
    if "\x0e" in text:  # SO/SI half-width katakana (CP50221)
        shifted = True
    return _shift_out(text) if shifted else text


def _segment(chunk: bytes, mode: int, escape: bytes) -> str:
    if not chunk:
        return ""
    if mode == _JIS0208:
        # Line breaks inside a two-byte run are a mailer's wrapping, not characters.
        parts = re.split(rb"(\r?\n)", chunk)
        return "".join(p.decode("ascii") if p.strip(b"\r\n") == b"" else _jis0208(p) for p in parts)
    if mode == _KANA:
        return _kana(chunk)
    if mode in (_JIS0213_1, _JIS0213_2):
        return _via_codec(escape, chunk, "iso2022_jp_2004")
    if mode == _JIS0212:
        return _via_codec(escape, chunk, "iso2022_jp_2")
    if mode == _OTHER:
        return _via_codec(escape, chunk, "iso2022_jp_2")
    return chunk.decode("cp932" if re.search(rb"[\x80-\xff]", chunk) else "ascii", "replace")


def _shift_out(text: str) -> str:
    # Between SO and SI, bytes 0x21-0x5F are half-width katakana.
    def kana(m):
        return _kana(m.group(1).encode("latin-1", "replace"))
    return re.sub("\x0e([^\x0f]*)\x0f?", kana, text)
