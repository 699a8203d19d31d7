"""Ranking matches: BM25 over each place's newest matches, scored here in Python, the same way
on both engines.

BM25 weighs each word by its rarity among all rows; FTS5's bm25() counts that by reading every
posting of the word (most of a broad query's time), so shares() estimates it: from how densely
the word occurs among its newest matches on SQLite (finding.probes), from PostgreSQL's own
statistics of each column's most common words (pg_stats) there.
"""
import math
import re
import unicodedata
from functools import lru_cache

from halo.services.inbox.search import finding
from halo.services.inbox.search.finding import WordStats

CANDIDATES = 200  # the best rows a place hands on
K1, B = 1.2, 0.75  # BM25's usual constants, as in FTS5's bm25()


def share(count: int, oldest: int | None, cap: int, ids: tuple[int, int]) -> float:
    """The estimated share of a table's rows that match, from its newest matches (count of them,
    up to cap, the oldest of them at id oldest)."""
    low, high = ids
    if count < cap:  # every match: the count is exact
        return count / (high - low + 1)
    return min(1.0, count / (high - oldest + 1))


def shares(table: str, terms: list[str], query_share: float, ids: tuple[int, int],
           stats: WordStats | None, probed: dict) -> list[float]:
    """Per word, the estimated share of table's rows it appears in (its rarity for BM25).

    A word appears at least as often as all the words together, so that is each one's floor."""
    if len(terms) == 1:
        return [query_share]
    if finding.dialect() == "postgresql":
        # A word ANALYZE does not list is rarer than those it does; the whole query bounds it.
        listed = stats.shares if stats else [None] * len(terms)
        return [max(query_share, s or 0.0) for s in listed]
    return [max(query_share, share(*probed[(table, t)], finding.PROBE, ids)) for t in terms]


def fold(value: str) -> str:
    """Lower-cased without diacritics, as the FTS5 tokenizer folds ("Café" finds "cafe")."""
    value = value.lower()
    if value.isascii():
        return value
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


@lru_cache(maxsize=256)
def word_start(term: str) -> re.Pattern:
    """Matches term where a word starts (term folded)."""
    # The look behind comes after the literal: first, it would turn off the regex engine's
    # fast scan for the literal (ten times slower over a thousand messages).
    return re.compile(rf"{re.escape(term)}(?<![^\W_]{re.escape(term)})")


def scored(table: str, terms: list[str], texts: list[tuple[int, int | None, str]], capped: bool,
           ids: tuple[int, int], stats: WordStats | None,
           probed: dict | None = None) -> list[tuple[int, int | None, float, str]]:
    """BM25 of the found rows (row id, ticket id or None, text; newest first), best first, at
    most CANDIDATES: (row id, ticket id or None, score, text)."""
    cap = finding.RECENT if capped else finding.RECENT + 1
    query_share = share(len(texts), texts[-1][0] if texts else None, cap, ids)
    rarity = shares(table, terms, query_share, ids, stats, probed or {})
    rows = ids[1] - ids[0] + 1
    # BM25's rarity, in Lucene's form: FTS5's bm25() floors it at 1e-6 for any word in half
    # the rows, which in a young helpdesk's few tickets left nothing to rank by.
    idf = [math.log(1 + (rows - s * rows + 0.5) / (s * rows + 0.5)) for s in rarity]
    folded = [fold(value) for _, _, value in texts]
    # Words counted as spaces and line breaks: near enough for BM25's length, and C-fast.
    lengths = [value.count(" ") + value.count("\n") + 1 for value in folded]
    average = sum(lengths) / len(lengths) if lengths else 1.0
    weighed = [(word_start(fold(t)).findall, weight) for t, weight in zip(terms, idf)]
    ranked = []
    for (rowid, owner, original), value, length in zip(texts, folded, lengths):
        norm = K1 * (1 - B + B * length / average)
        score = 0.0
        for findall, weight in weighed:
            # The engine found every word here; one its tokenizer splits differently counts once.
            tf = len(findall(value)) or 1
            score += weight * tf * (K1 + 1) / (tf + norm)
        ranked.append((-score, -rowid, owner, original))
    ranked.sort()  # best first, then newest (ids are unique, so the rest is never compared)
    return [(-rowid, owner, -score, original) for score, rowid, owner, original in ranked[:CANDIDATES]]


def ranked(terms: list[str], ranges: dict, stats: dict) -> tuple[dict[str, list], bool]:
    """Per place with matches, best-first (row id, ticket id or None, score, text) of its
    newest RECENT matches; and whether any place had more."""
    found = finding.newest(terms, finding.RECENT + 1, ranges, stats)
    capped = {table: len(rows) > finding.RECENT for table, rows in found.items()}
    probed = {}
    if len(terms) > 1 and finding.dialect() != "postgresql":
        probed = finding.probes(list(found), terms)
    return {table: scored(table, terms, rows[:finding.RECENT], capped[table], ranges[table],
                          stats.get(table), probed)
            for table, rows in found.items()}, any(capped.values())
