"""Scaled out on a real Redis (HALO_TEST_REDIS_URL): two app instances, as on two hosts, share
the schedule's lease and put its jobs on RQ's named queues, one per lane; a `halo worker`
process with --queues takes jobs from its lanes only."""
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from redis import Redis

from halo import create_app, schedule
from halo.extensions import db
from halo.models import AiDraft, InboundEmail
from halo.queue import rq_queues
from halo.schedule import LEASE_SECONDS, Runner
from halo.services.ai import drafts as ai_drafts
from halo.services.email import ingest as email_ingest
from tests.email_support import attachment_dir, make_raw  # noqa: F401
from tests.factories import make_ticket, make_user

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NO_PROVIDER = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}  # AI drafts are written offline


@pytest.fixture
def redis_url():
    url = os.environ.get("HALO_TEST_REDIS_URL")
    if not url:
        pytest.skip("HALO_TEST_REDIS_URL is not set (needs a real Redis)")
    _forget_rq(url)  # the queues start empty
    yield url
    _forget_rq(url)


def _forget_rq(url):
    redis = Redis.from_url(url)
    for key in redis.scan_iter("rq:*"):
        redis.delete(key)


@pytest.fixture
def hosts(app, redis_url, attachment_dir):
    """Two app instances on the suite's database with RQ on the test Redis."""
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
              "SECRET_KEY": app.config["SECRET_KEY"], "REDIS_URL": redis_url,
              "HALO_ATTACHMENT_DIR": str(attachment_dir), **NO_PROVIDER}
    instances = [create_app(config) for _ in range(2)]
    yield instances
    for instance in instances:
        with instance.app_context():
            db.engine.dispose()


def run_worker(app, redis_url, attachment_dir, *args) -> subprocess.CompletedProcess:
    """`flask halo worker --burst ARGS` in its own process, as an operator would start it."""
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_url,
               SECRET_KEY=app.config["SECRET_KEY"], HALO_ATTACHMENT_DIR=str(attachment_dir), **NO_PROVIDER)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "halo", "worker", "--burst", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_two_hosts_share_one_schedule_and_its_jobs_land_in_their_lanes(hosts, redis_url, frozen):
    one, two = hosts
    first, second = Runner(one), Runner(two)
    with one.app_context():
        assert first.tick(frozen.start) == [job.name for job in schedule.SCHEDULE]
    with two.app_context():
        assert second.tick(frozen.start) == []
    queues = rq_queues(Redis.from_url(redis_url))
    lanes = {lane: sorted(q.job_ids) for lane, q in queues.items() if q.count}
    assert lanes == {"default": ["schedule-integrations-prune", "schedule-presence-expiry",
                                 "schedule-sla-check", "schedule-snooze-wake"],
                     "ingest": ["schedule-inbound-requeue"],
                     "mail": ["schedule-csat-due", "schedule-imap-poll", "schedule-notify-digest",
                              "schedule-notify-mail", "schedule-send-due"],
                     "webhooks": ["schedule-webhook-sweep"]}
    # The first host dies; once its lease lapses the second runs the schedule, and the jobs
    # the first enqueued, still waiting for a worker, are not queued twice.
    with two.app_context():
        assert second.tick(frozen.start + timedelta(seconds=LEASE_SECONDS - 1)) == []
        assert second.tick(frozen.start + timedelta(seconds=LEASE_SECONDS)) != []
    assert {lane: sorted(q.job_ids) for lane, q in queues.items() if q.count} == lanes


def test_a_worker_takes_jobs_from_its_lanes_only(app, hosts, redis_url, attachment_dir):
    one, _ = hosts
    with one.app_context():
        inbound_id, _ = email_ingest.store_email(make_raw(message_id="<rq@customer.test>"), "smtp")
        draft_id = ai_drafts.request_draft(make_ticket().id, make_user().id, "email").id
    queues = rq_queues(Redis.from_url(redis_url))
    assert queues["ingest"].count == 1 and queues["ai"].count == 1
    done = run_worker(app, redis_url, attachment_dir, "--queues", "ingest")
    assert done.returncode == 0, done.stderr
    db.session.expire_all()
    assert db.session.get(InboundEmail, inbound_id).state == "done"
    assert db.session.get(AiDraft, draft_id).state == "pending" and queues["ai"].count == 1
    done = run_worker(app, redis_url, attachment_dir, "--queues", "halo-ai")
    assert done.returncode == 0, done.stderr
    db.session.expire_all()
    assert db.session.get(AiDraft, draft_id).state == "done"


def test_a_worker_refuses_a_lane_that_does_not_exist(app, redis_url, attachment_dir):
    done = run_worker(app, redis_url, attachment_dir, "--queues", "ingest,slow")
    assert done.returncode != 0 and "Unknown lane slow" in done.stderr
