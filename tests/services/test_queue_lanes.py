"""Lanes: ingest, mail, AI, webhooks and the rest each have a worker thread of their own, so
a provider that takes a minute to answer holds up only the AI jobs behind it. The RQ shape
(named queues, `halo worker --queues`) is exercised in tests/integration/test_schedule_redis.py."""
import inspect
import threading

from halo.extensions import db
from halo.jobs import ai as ai_jobs
from halo.jobs import email as email_jobs
from halo.jobs import presence as presence_jobs
from halo.jobs import snooze as snooze_jobs
from halo.jobs import translate as translate_jobs
from halo.models import AiDraft, InboundEmail
from halo.queue import LANE_NAMES, LANES, ThreadQueue, lane_of
from halo.services.ai import drafts as ai_drafts
from halo.services.email import ingest as email_ingest
from tests.ai_support import ai_server  # noqa: F401
from tests.email_support import attachment_dir, make_raw  # noqa: F401
from tests.factories import make_ticket, make_user


def test_each_job_has_the_lane_of_the_party_it_waits_on():
    assert lane_of("halo.jobs.email.process_inbound") == lane_of("halo.jobs.email.process_inbound_batch") == "ingest"
    assert lane_of("halo.jobs.email.requeue_inbound") == "ingest"
    assert lane_of("halo.jobs.email.send_email") == lane_of("halo.jobs.email.poll_mailboxes") == "mail"
    assert lane_of("halo.jobs.ai.write_draft") == lane_of("halo.jobs.ai.answer_chat") == "ai"
    assert lane_of("halo.jobs.webhooks.deliver") == "webhooks"
    assert lane_of("halo.jobs.snooze.wake_due") == lane_of("halo.jobs.presence.expire") == "default"
    assert lane_of("tests.services.test_queue_lanes.anything") == "default"
    assert set(LANES.values()) <= set(LANE_NAMES)


def test_every_job_runs_in_a_lane_the_queue_has():
    for module in (ai_jobs, email_jobs, presence_jobs, snooze_jobs, translate_jobs):
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if func.__module__ == module.__name__:
                assert lane_of(f"{module.__name__}.{name}") in LANE_NAMES


def test_an_ai_job_waiting_on_a_slow_provider_does_not_hold_up_ingest(app, ai_server, attachment_dir,
                                                                       monkeypatch):
    asked = threading.Event()

    def answer_when_released(request):
        asked.set()
        return ("hang",)  # the provider holds the request until ai_server.release is set
    ai_server.reply = answer_when_released
    app.config["HALO_AI_TIMEOUT"] = 120  # the client must still be waiting when we look (restored by ai_server)
    queue = ThreadQueue(app)
    monkeypatch.setitem(app.extensions, "halo_queue", queue)
    draft_id = ai_drafts.request_draft(make_ticket().id, make_user().id, "email").id
    try:
        assert asked.wait(10)  # the AI lane's thread is inside the provider call now
        inbound_id, created = email_ingest.store_email(make_raw(message_id="<lane@customer.test>"), "smtp")
        assert created and queue.idle(lanes=("ingest",))
        db.session.expire_all()
        assert db.session.get(InboundEmail, inbound_id).state == "done"
        assert db.session.get(AiDraft, draft_id).state == "streaming"  # still waiting on the provider
    finally:
        ai_server.release.set()
        assert queue.idle()
    db.session.expire_all()
    assert db.session.get(AiDraft, draft_id).state == "failed"  # the provider said no, in its own lane
