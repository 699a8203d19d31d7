"""Names a sender chooses, shown as they are: no bidi overrides, no invisible characters.

`inv\\u202Eoice_fdp.exe` displays as "invexe.pdf_eci..." mirrored into "invoice_fdp.exe"
reading like a PDF; zero-width characters make two names look identical. Bidirectional
embedding, override and isolate controls, marks, zero-width spaces, word joiners, BOMs,
soft hyphens and other format characters are removed from file names and display names.
ZERO WIDTH (NON-)JOINER stays between two letters, where Persian, Indic scripts and emoji
sequences need it, and goes everywhere else.
"""
import re
import unicodedata

_JOINERS = "\u200c\u200d"


def neutralise(text: str) -> str:
    """The text without format (Cf) characters that can disguise it; joiners kept in words."""
    if not text or text.isascii():
        return text or ""
    out = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) != "Cf":
            out.append(ch)
        elif ch in _JOINERS and 0 < i < len(text) - 1 and _joins(text[i - 1]) and _joins(text[i + 1]):
            out.append(ch)
    return re.sub(r"\s{2,}", " ", "".join(out)) if len(out) != len(text) else text


def _joins(ch: str) -> bool:
    # Letters, combining marks and symbols (emoji): what a joiner legitimately sits between.
    return unicodedata.category(ch)[0] in "LMS"
