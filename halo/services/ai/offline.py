"""The offline assistant: what Halo offers when no language model is configured.

It retrieves and assembles; it does not write. Drafts are built from the most relevant
articles' own sentences, and every answer says plainly that no model is configured.
"""
import re

from halo.services.ai.context import Context
from halo.services.ai.search import best_sentences, rank

NOTICE = "No language model is configured: this was assembled from your knowledge base by Halo's offline assistant."
DONT_KNOW = "I don't know: nothing in this ticket, the customer's profile or the knowledge base answers that."
MARKUP = re.compile(r"[#*_`>|]+")


def _plain(text: str) -> str:
    return " ".join(MARKUP.sub("", text).split())


def _greeting(ctx: Context, mode: str) -> str:
    name = ctx.first_name or "there"
    return f"Hi {name}!" if mode == "chat" else f"Hi {name},\n\nThanks for getting in touch."


def _closing(ctx: Context, mode: str) -> str:
    return "" if mode == "chat" else f"\n\nBest regards,\n{ctx.agent_name or 'The support team'}"


def _answer_from(ctx: Context, article) -> str:
    sentences = best_sentences(ctx.question, article.body, 3) or [article.body.split("\n\n")[0]]
    return f"{_plain(' '.join(sentences))}\n\nMore in our article \u201c{article.title}\u201d."


def draft(ctx: Context, mode: str, article_index: int = 0) -> str:
    """A reply assembled from one retrieved article (or a holding reply when none fits)."""
    if len(ctx.articles) > article_index:
        body = _answer_from(ctx, ctx.articles[article_index])
    else:
        body = "I'm looking into this and will get back to you shortly."
    return f"{_greeting(ctx, mode)}\n\n{body}{_closing(ctx, mode)}"


def variants(ctx: Context, mode: str) -> list[str]:
    """Three replies: one per retrieved article, then a holding and a clarifying reply."""
    out = [draft(ctx, mode, i) for i in range(min(len(ctx.articles), 3))]
    extra = ["I'm looking into this and will get back to you shortly.",
             "Could you tell me a little more about what you are seeing, so I can help you faster?"]
    for body in extra:
        if len(out) < 3:
            out.append(f"{_greeting(ctx, mode)}\n\n{body}{_closing(ctx, mode)}")
    return out


def summary(ctx: Context) -> str:
    """An extractive summary: who asked what, and where the thread stands."""
    said = [(who, _plain(text)) for who, text in ctx.thread]
    customer = [t for w, t in said if w == "customer"]
    replies = [t for w, t in said if w != "customer"]
    lines = [f"- Subject: {ctx.ticket.subject or '(none)'} ({ctx.channel}, {ctx.ticket.status_label})",
             f"- {len(customer)} message(s) from the customer, {len(replies)} reply(ies) [Thread]"]
    if customer:
        lines.append(f"- First asked: {customer[0][:200]}")
    if len(customer) > 1:
        lines.append(f"- Latest: {customer[-1][:200]}")
    if replies:
        lines.append(f"- Last reply: {replies[-1][:200]}")
    return "\n".join(lines)


def answer(ctx: Context, question: str) -> tuple[str, list]:
    """A grounded answer to a free question: a profile trait or an article passage, or 'I don't know'."""
    traits = {k.lower(): v for k, v in (ctx.customer.traits or {}).items()}
    for key, value in traits.items():
        if re.search(rf"\b{re.escape(key.replace('_', ' '))}\b", question.lower().replace("_", " ")):
            return f"The customer's {key.replace('_', ' ')} is {value}. [Profile]", []
    found = rank(question, ctx.articles, lambda a: f"{a.title} {a.body}")
    if not found:
        return DONT_KNOW, []
    article = found[0][0]
    passage = _plain(" ".join(best_sentences(question, article.body, 2)) or article.body[:300])
    return f"From \u201c{article.title}\u201d: {passage} [A{ctx.articles.index(article) + 1}]", [article]


def plan(ctx: Context) -> str:
    """The plan trait, read from the profile."""
    value = (ctx.customer.traits or {}).get("plan")
    if not value:
        return "I don't know: this customer's profile has no plan. [Profile]"
    return f"This customer is on the {str(value).title()} plan (profile trait plan = {value}). [Profile]"
