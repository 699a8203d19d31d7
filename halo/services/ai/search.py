"""Full-text relevance for the knowledge base: BM25 over a small table, in Python.

A support team's knowledge base is hundreds of articles, not millions: scoring them all
in process takes milliseconds, behaves the same on SQLite and PostgreSQL, and needs no
FTS5 virtual table or tsvector column kept in step by triggers in two dialects.
"""
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOP = frozenset("""a an and are as at be but by can do does for from has have hi hello how i
if in is it its me my no not of on or our please so that the their them there this to us
was we what when where which who why will with you your thanks thank regards dear""".split())
K1, B = 1.2, 0.75


def stem(word: str) -> str:
    """A light suffix strip so 'refunds', 'refunded' and 'refund' meet."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """The words that carry meaning, lower-cased and stemmed."""
    return [stem(w) for w in WORD.findall((text or "").lower()) if w not in STOP and len(w) > 1]


def rank(query: str, items: Iterable, text_of: Callable[[object], str],
         min_score: float = 0.0) -> list[tuple[object, float]]:
    """Items scored by BM25 against query, best first; items that share no term are dropped."""
    wanted = set(terms(query))
    docs = [(item, Counter(terms(text_of(item)))) for item in items]
    if not wanted or not docs:
        return []
    avg = sum(sum(c.values()) for _, c in docs) / len(docs) or 1.0
    df = Counter(t for _, c in docs for t in wanted if t in c)
    scored = []
    for item, counts in docs:
        length, score = sum(counts.values()), 0.0
        for t in wanted:
            tf = counts.get(t, 0)
            if tf:
                idf = math.log(1 + (len(docs) - df[t] + 0.5) / (df[t] + 0.5))
                score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg))
        if score > min_score:
            scored.append((item, score))
    scored.sort(key=lambda pair: -pair[1])
    return scored


def best_sentences(query: str, text: str, n: int = 3) -> list[str]:
    """The n sentences of text that share most terms with query, in their original order."""
    wanted = set(terms(query))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n{2,}", text or "") if s.strip()]
    scored = [(len(wanted & set(terms(s))), i, s) for i, s in enumerate(sentences)]
    top = sorted((x for x in scored if x[0]), key=lambda x: (-x[0], x[1]))[:n]
    return [s for _, _, s in sorted(top, key=lambda x: x[1])]
