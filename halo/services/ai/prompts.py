"""The messages sent to the model for each task, built from a Context.

Trusted material (rules, directives, articles, the task) goes in the system message;
the thread goes in the user message with every customer message fenced.
"""
import json
import re

from halo.services.ai.context import Context
from halo.services.ai.guard import RULES, fence

MAX_ARTICLE = 3000
STYLE = {
    "chat": "Write a short, warm chat reply: two to four sentences, no greeting line and no signature.",
    "email": ("Write a complete email reply: a greeting with the customer's first name, the answer, "
              "a friendly closing, then sign off with the agent's name on its own line."),
}


def _reference(ctx: Context) -> str:
    parts = []
    if ctx.directives:
        parts.append("Team directives (private, follow them):\n"
                     + "\n".join(f"- {d.body}" for d in ctx.directives))
    if ctx.articles:
        parts.append("Knowledge-base articles:\n" + "\n\n".join(
            f"[A{i}] {a.title}\n{a.body[:MAX_ARTICLE]}" for i, a in enumerate(ctx.articles, 1)))
    else:
        parts.append("Knowledge-base articles: none match this ticket.")
    return "\n\n".join(parts)


def profile_text(ctx: Context) -> str:
    """The customer profile as the model sees it (the [Profile] source)."""
    c = ctx.customer
    lines = [f"name: {c.name or 'unknown'}", f"email: {c.email or 'unknown'}",
             f"language: {c.language or 'unknown'}"]
    lines += [f"{k}: {v}" for k, v in sorted((c.traits or {}).items())]
    return "\n".join(lines)


def _thread(ctx: Context) -> str:
    lines = [f"Ticket subject: {fence(ctx.ticket.subject)}", f"Channel: {ctx.channel}",
             "Customer profile [Profile]:\n" + profile_text(ctx), "Conversation [Thread], oldest first:"]
    for who, text in ctx.thread:
        lines.append(fence(text) if who == "customer" else f"{'Halo AI' if who == 'ai' else 'Team'} replied:\n{text}")
    return "\n\n".join(lines)


def _messages(ctx: Context, task: str) -> list[dict]:
    system = f"{RULES}\n\n{_reference(ctx)}\n\nYour task: {task}"
    return [{"role": "system", "content": system}, {"role": "user", "content": _thread(ctx)}]


def draft_messages(ctx: Context, mode: str) -> list[dict]:
    """A reply for the agent to edit, in the channel's style."""
    sign = f" The agent's name is {ctx.agent_name}." if ctx.agent_name else ""
    return _messages(ctx, f"{STYLE.get(mode, STYLE['email'])}{sign} Reply with the message text only.")


def pilot_messages(ctx: Context, question: str, history: list[tuple[str, str]]) -> list[dict]:
    """HaloPilot: answer a teammate's question about this ticket, citing sources."""
    task = ("A teammate asks you about this ticket. Answer briefly from the ticket, the profile and the "
            "articles only. Cite what you used as [A1], [A2], [Profile] or [Thread]. If they do not "
            "contain the answer, say \"I don't know\" and what is missing.")
    messages = _messages(ctx, task)
    for role, body in history[-6:]:
        messages.append({"role": role, "content": body})
    messages.append({"role": "user", "content": f"Teammate's question: {question}"})
    return messages


def variants_messages(ctx: Context, mode: str) -> list[dict]:
    """Three different replies, separated by lines of ---."""
    return _messages(ctx, f"{STYLE.get(mode, STYLE['email'])} Write three different possible replies "
                          "(for example: direct, empathetic, asking a clarifying question). Separate them "
                          "with a line containing only ---. No other text.")


def email_decision_messages(ctx: Context) -> list[dict]:
    """Can the articles answer this email with confidence? JSON out."""
    return _messages(ctx, STYLE["email"] + " Sign off as \"Halo AI\". Decide whether one knowledge-base "
                     "article fully answers the customer's latest email, and answer from that article "
                     "only. Reply with JSON only: "
                     '{"confident": true or false, "source": "the article you used, as A1, A2...", '
                     '"answer": "the complete email reply, without article markers", '
                     '"reason": "why you are not confident, if you are not"}.')


def chat_messages(ctx: Context) -> list[dict]:
    """A live chat answer, or a handoff to a human. JSON out."""
    return _messages(ctx, STYLE["chat"] + " If the articles do not answer the visitor's latest message, "
                     "or the visitor wants a person, hand over. Reply with JSON only: "
                     '{"handoff": true or false, "answer": "your chat reply", "reason": "why you hand over"}.')


def parse_json(text: str) -> dict:
    """The first JSON object in a model's answer ({} when there is none)."""
    match = re.search(r"\{.*\}", text or "", re.S)
    if not match:
        return {}
    try:
        value = json.loads(match.group(0))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def split_variants(text: str) -> list[str]:
    """Three replies from one answer."""
    parts = [p.strip() for p in re.split(r"^\s*-{3,}\s*$", text or "", flags=re.M) if p.strip()]
    return parts[:3]


def cited(text: str, ctx: Context) -> list:
    """The articles an answer cites as [A1], [A2]..."""
    numbers = {int(n) for n in re.findall(r"\[A(\d+)\]", text or "")}
    return [a for i, a in enumerate(ctx.articles, 1) if i in numbers]
