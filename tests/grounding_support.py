"""The labelled set of AI email answers (tests/fixtures/grounding/labelled.json), replayed
through the real pipeline: a local OpenAI-compatible server answers each ticket with what
the model answered for that case, citing the article by the [A#] it was given under."""
import json
import pathlib
import re

from halo.extensions import db
from halo.models import Message, Ticket
from halo.services.ai import knowledge as ai_knowledge
from halo.services.ai import pipeline as ai_pipeline
from halo.services.ai import settings as ai_settings
from halo.services.ai.context import build_context
from tests.factories import make_customer, make_ticket, make_user

LABELLED = pathlib.Path(__file__).parent / "fixtures" / "grounding" / "labelled.json"
GIVEN = re.compile(r"^\[A(\d+)\] (.+)$", re.M)


def load() -> dict:
    return json.loads(LABELLED.read_text())


def seed(data: dict) -> None:
    """Publish the set's articles and switch the AI email pipeline on."""
    author = make_user(role="admin")  # publishing what the AI answers from needs the right
    for article in data["articles"]:
        ai_knowledge.create_article(article["title"], article["body"], True, author.id)
    ai_settings.save(True, False, "", "", False)


def scripted_model(data: dict):
    """The AI server's reply function: each case's recorded decision, its article cited by
    the number the prompt gave it (a title it was not given is cited as written)."""
    by_question = {c["question"]: c for c in data["cases"]}

    def reply(request: dict) -> str:
        system, user = request["messages"][0]["content"], request["messages"][-1]["content"]
        case = next(c for q, c in by_question.items() if q in user)
        model = dict(case["model"])
        given = {title: f"A{n}" for n, title in GIVEN.findall(system)}
        if model.get("source") in given:
            model["source"] = given[model["source"]]
        elif model.get("source") is None:
            model.pop("source")
        case["old_rule_sends"] = bool(model["confident"] and model["answer"] and given)
        return json.dumps(model)

    return reply


def replay(data: dict) -> list[dict]:
    """Offer one ticket per case to the pipeline; what each rule decided, and why."""
    results = []
    for case in data["cases"]:
        customer = make_customer(name="Ana Lopez", email=f"ana{len(results)}@customer.test", traits={})
        ticket = make_ticket(customer, body=case["question"], subject=case["subject"])
        outcome = ai_pipeline.offer_ticket(ticket.id)
        note = db.session.scalar(db.select(Message.body_text).where(
            Message.ticket_id == ticket.id, Message.kind == "note"))
        results.append({"case": case, "ticket_id": ticket.id, "new_sends": outcome == "answered",
                        "old_sends": case.get("old_rule_sends", False), "note": note,
                        "status": db.session.get(Ticket, ticket.id).status})
    return results


def contexts(results: list[dict]) -> list:
    """Each case's context as the pipeline built it (for threshold sweeps)."""
    return [build_context(r["ticket_id"]) for r in results]


def precision_recall(results: list[dict], key: str) -> tuple[float, float, int, int, int]:
    """(precision, recall, true sends, wrong sends, missed) of one rule's sends."""
    tp = sum(1 for r in results if r[key] and r["case"]["send_ok"])
    fp = sum(1 for r in results if r[key] and not r["case"]["send_ok"])
    fn = sum(1 for r in results if not r[key] and r["case"]["send_ok"])
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn
