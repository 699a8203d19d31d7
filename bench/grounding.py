"""Precision and recall of the AI email auto-send decision, the old rule beside the new.

    .venv/bin/python bench/grounding.py [--sweep]

Replays tests/fixtures/grounding/labelled.json (customer emails, the article that answers
each or none, and what a model answered) through the real pipeline (offer_ticket) against
a local OpenAI-compatible server that gives each case's recorded answer. A send is right
when the case is labelled send_ok. Old rule: the model said it was confident and some
article was retrieved. New rule: services/ai/grounding.py.

--sweep also tries other thresholds on the same cases (how MIN_SCORE, MIN_OVERLAP and
MIN_SUPPORT were calibrated): each line is precision and recall with those values.
"""
import argparse
import itertools
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from flask_migrate import upgrade  # noqa: E402

from halo import create_app  # noqa: E402
from halo.queue import SyncQueue  # noqa: E402
from halo.services.ai import grounding  # noqa: E402
from tests import grounding_support as support  # noqa: E402
from tests.ai_server import AIServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep", action="store_true", help="try other thresholds too")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="halo-grounding-")
    server = AIServer().start()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/halo.db", "SECRET_KEY": "bench",
                      "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "bench", "HALO_AI_RETRIES": 0})
    with app.app_context():
        upgrade()
        app.extensions["halo_queue"] = SyncQueue(app)
        data = support.load()
        support.seed(data)
        server.reply = support.scripted_model(data)
        results = support.replay(data)
        report(results)
        if args.sweep:
            sweep(results, support.contexts(results))
    server.stop()


def report(results: list[dict]) -> None:
    cases = len(results)
    should = sum(1 for r in results if r["case"]["send_ok"])
    print(f"{cases} cases, {should} whose answer should be sent")
    print("| rule | precision | recall | right sends | wrong sends | missed |")
    print("|---|---|---|---|---|---|")
    for name, key in (("old: confident + an article retrieved", "old_sends"), ("new: grounded", "new_sends")):
        p, r, tp, fp, fn = support.precision_recall(results, key)
        print(f"| {name} | {p:.2f} | {r:.2f} | {tp} | {fp} | {fn} |")
    print("\nCases where a rule is wrong:")
    for r in results:
        case = r["case"]
        for key, name in (("old_sends", "old"), ("new_sends", "new")):
            if r[key] != case["send_ok"]:
                verb = "sent" if r[key] else "held back"
                print(f"- {name} {verb}: {case['subject']!r}" + (f" -- {r['note']}" if r["note"] and name == "new" else ""))


def sweep(results: list[dict], contexts: list) -> None:
    print("\nMIN_SCORE MIN_OVERLAP MIN_SUPPORT  precision recall")
    saved = grounding.MIN_SCORE, grounding.MIN_OVERLAP, grounding.MIN_SUPPORT
    for score, overlap, support_min in itertools.product((0.0, 0.3, 0.5, 0.6, 0.8, 1.0),
                                                         (0.0, 0.2, 0.3, 0.4, 0.5, 0.6),
                                                         (0.0, 0.4, 0.5, 0.6, 0.7, 0.8)):
        grounding.MIN_SCORE, grounding.MIN_OVERLAP, grounding.MIN_SUPPORT = score, overlap, support_min
        sends = [_would_send(r, ctx) for r, ctx in zip(results, contexts)]
        tp = sum(1 for s, r in zip(sends, results) if s and r["case"]["send_ok"])
        fp = sum(1 for s, r in zip(sends, results) if s and not r["case"]["send_ok"])
        fn = sum(1 for s, r in zip(sends, results) if not s and r["case"]["send_ok"])
        p = tp / (tp + fp) if tp + fp else 1.0
        print(f"{score:9.1f} {overlap:11.1f} {support_min:11.1f}  {p:9.2f} {tp / (tp + fn):6.2f}")
    grounding.MIN_SCORE, grounding.MIN_OVERLAP, grounding.MIN_SUPPORT = saved


def _would_send(result: dict, ctx) -> bool:
    model = result["case"]["model"]
    if not (model["confident"] and model["answer"] and ctx.articles):
        return False
    titles = {a.title: f"A{i}" for i, a in enumerate(ctx.articles, 1)}
    source = titles.get(model.get("source"), model.get("source"))
    verdict = grounding.judge(f"{ctx.ticket.subject}\n{ctx.question}", model["answer"], source,
                              ctx.articles, ctx.published, customer_words=ctx.customer.name or "")
    return verdict.grounded


if __name__ == "__main__":
    main()
