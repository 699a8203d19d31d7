"""Is an AI email answer grounded in the knowledge base? Only then is it sent on its own.

A model's "confident" is not evidence: a confident model answered an invoice question with
the SSO article. An answer is grounded when all of these hold:
1. the model names the article it used, and that article was among those it was given;
2. the customer's question matches that article: its retrieval score (BM25, the ranking
   that chose the articles, relative to the best-ranked article, so it means the same in
   a knowledge base of 3 articles or 3,000) and the share of the question's terms the
   article contains are both above thresholds calibrated on a labelled set
   (bench/grounding.py). The share counts the terms the knowledge base knows (a
   customer's "jacket" or "Spain" tells no article from another), each weighted by how
   rare it is among the articles ("SAML" says more than "account");
3. the answer shares substantive content with the article: most of its content words are
   the article's, and every number it states is in the article (or the question), so a
   made-up window, price or limit is caught.
Anything else is escalated to the team, as before.
"""
import math
import re
from collections import Counter
from dataclasses import dataclass

from halo.services.ai.search import rank, terms

# Calibrated with bench/grounding.py on tests/fixtures/grounding/labelled.json (its figures
# are in bench/README.md). Raising any of them trades recall for precision.
MIN_SCORE = 0.6     # the cited article's BM25 for the question / the best article's
MIN_OVERLAP = 0.45  # rarity-weighted share of the question's known terms in the article
MIN_SUPPORT = 0.6   # share of the answer's distinct content terms found in the article
MIN_SHARED = 3      # and at least this many of them

_SOURCE = re.compile(r"^\s*\[?A(\d+)\]?\s*$", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# Words every reply has and no article needs: greetings, sign-offs, courtesy.
_FRAME = frozenset(terms("""hi hello dear yes no sure sorry afraid unfortunately best kind warm
regards wishes cheers sincerely halo ai team support please let know help glad happy hope
great thank thanks welcome question asked ask asking reply email message about can could
would should just also now then here""")) | {"halo", "ai"}


@dataclass
class Verdict:
    """What the check found; `reason` says why an answer is not grounded."""
    grounded: bool
    reason: str = ""
    article: object = None
    score: float = 0.0
    overlap: float = 0.0
    support: float = 0.0


def cited_article(source, articles: list):
    """The given article the model named (as "A2", "[A2]" or its title), or None; raises
    LookupError when it named one it was not given."""
    text = str(source or "").strip()
    if not text:
        return None
    match = _SOURCE.match(text)
    if match:
        number = int(match.group(1))
        if 1 <= number <= len(articles):
            return articles[number - 1]
        raise LookupError(text)
    for article in articles:
        if article.title.strip().lower() == text.lower():
            return article
    raise LookupError(text)


def judge(question: str, answer: str, source, given: list, published: list,
          customer_words: str = "") -> Verdict:
    """Whether `answer`, citing `source`, is grounded in one of the `given` articles.
    `published` is every article retrieval ranked (for the score); `customer_words` (the
    customer's name) are not counted as content."""
    try:
        article = cited_article(source, given)
    except LookupError:
        return Verdict(False, f"the AI cited an article it was not given ({str(source)[:60]})")
    if article is None:
        return Verdict(False, "the AI did not say which article its answer comes from")
    article_text = f"{article.title} {article.body}"
    article_terms = set(terms(article_text))
    ranked = rank(question, published or given, lambda a: f"{a.title} {a.title} {a.body}")
    best = ranked[0][1] if ranked else 0.0
    score = next((s for a, s in ranked if a is article), 0.0) / best if best else 0.0
    overlap = weighted_overlap(question, article_terms, published or given)
    said = set(terms(answer)) - _FRAME - set(terms(customer_words))
    shared = said & article_terms
    support = len(shared) / len(said) if said else 0.0
    verdict = Verdict(False, "", article, score, overlap, support)
    if score < MIN_SCORE or overlap < MIN_OVERLAP:
        verdict.reason = (f"the question does not match the cited article \u201c{article.title}\u201d "
                          f"closely enough (score {score:.2f}, {overlap:.0%} of its terms)")
    elif support < MIN_SUPPORT or len(shared) < MIN_SHARED:
        verdict.reason = (f"the answer does not come from the cited article \u201c{article.title}\u201d "
                          f"({support:.0%} of its content is in the article)")
    elif unsupported_numbers(answer, article_text + " " + question):
        verdict.reason = (f"the answer states figures the article \u201c{article.title}\u201d does not "
                          f"({', '.join(unsupported_numbers(answer, article_text + ' ' + question))})")
    else:
        verdict.grounded = True
    return verdict


def weighted_overlap(question: str, article_terms: set, published: list) -> float:
    """The share of the question's distinct terms known to the knowledge base that the
    article contains, each weighted by its inverse document frequency (BM25's idf)."""
    asked = set(terms(question))
    df = Counter(t for a in published for t in set(terms(f"{a.title} {a.body}")) & asked)
    n = len(published)
    idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in asked if df[t]}
    total = sum(idf.values())
    return sum(w for t, w in idf.items() if t in article_terms) / total if total else 0.0


def unsupported_numbers(answer: str, source_text: str) -> list[str]:
    """Numbers in the answer that the source text does not contain."""
    known = set(_NUMBER.findall(source_text))
    return sorted({n for n in _NUMBER.findall(answer) if n not in known})
