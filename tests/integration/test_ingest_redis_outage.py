"""Mail accepted while Redis is down is not lost and needs no command: a real SMTP
exchange into Halo's receiver while its Redis is stopped (the message is stored, the
sender told 451 to retry), then Redis is back, the schedule's requeue puts it on RQ, and
a real `halo worker` process makes it a ticket. Nobody types requeue-inbound."""
import smtplib
from datetime import timedelta

import pytest

from halo import create_app, schedule
from halo.extensions import db
from halo.models import InboundEmail, Ticket
from halo.smtp_receiver import make_controller
from tests.email_support import attachment_dir, free_port, make_raw  # noqa: F401

from .test_bus_restart import redis_server  # noqa: F401
from .test_schedule_redis import NO_PROVIDER, run_worker


@pytest.fixture
def scaled_out(app, redis_server, attachment_dir):  # noqa: F811
    """An app instance on the suite's database with RQ on a Redis of the test's own."""
    instance = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                           "SECRET_KEY": app.config["SECRET_KEY"], "REDIS_URL": redis_server.url,
                           "HALO_ATTACHMENT_DIR": str(attachment_dir), **NO_PROVIDER})
    instance.extensions["halo_bus"].stop()  # this test is about the queue; no bus listener
    controller = make_controller(instance, "127.0.0.1", free_port())
    controller.start()
    yield instance, controller
    controller.stop()
    with instance.app_context():
        db.engine.dispose()


def test_mail_accepted_while_redis_is_down_becomes_a_ticket_when_it_is_back(
        app, scaled_out, redis_server, attachment_dir, frozen):  # noqa: F811
    instance, controller = scaled_out
    redis_server.stop()
    raw = make_raw(subject="Sent during the outage", message_id="<outage@customer.test>")
    with smtplib.SMTP(controller.hostname, controller.port) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            smtp.sendmail("carla@customer.test", ["support@acme.test"], raw)
    assert refused.value.smtp_code == 451  # the sender keeps it and retries later
    db.session.expire_all()
    inbound = db.session.scalar(db.select(InboundEmail))
    assert inbound is not None and inbound.state == "pending"  # stored before the answer

    redis_server.start()
    with instance.app_context():  # the schedule's next ticks, the first too early to requeue
        runner = schedule.Runner(instance, holder="host-a")
        assert "inbound-requeue" in runner.tick(frozen.start + timedelta(seconds=schedule.REQUEUE_AFTER + 60))
    done = run_worker(app, redis_server.url, attachment_dir, "--queues", "ingest")
    assert done.returncode == 0, done.stderr
    db.session.expire_all()
    inbound = db.session.get(InboundEmail, inbound.id)
    assert inbound.state == "done"
    assert db.session.get(Ticket, inbound.ticket_id).subject == "Sent during the outage"
