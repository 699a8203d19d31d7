"""CSAT surveys: offered on a teammate's resolve (off by default), emailed once through a
real SMTP exchange as a reply in the thread, one answer per ticket, csat.rated webhooks."""
import re
from datetime import timedelta

import pytest

from halo import clock
from halo.extensions import db
from halo.models import CsatSurvey, Message, Ticket
from halo.models.webhooks import WebhookEvent
from halo.services.csat import mail as csat_mail
from halo.services.csat import surveys, tokens
from halo.services.email import ingest as email_ingest
from halo.services.email.threads import reply_address
from halo.services.errors import NotFound, ValidationError
from halo.services.integrations.webhooks import capture, endpoints
from halo.services.tickets import merge, replies, status
from tests.email_support import attachment_dir, make_raw, sink, sync_queue  # noqa: F401
from tests.factories import make_ticket


def inbound_ticket(subject="Order 1234 is late"):
    row, _ = email_ingest.receive_email(make_raw(subject=subject), "smtp")
    return db.session.get(type(row), row.id).ticket_id


def survey(ticket_id):
    db.session.expire_all()
    return db.session.scalar(db.select(CsatSurvey).where(CsatSurvey.ticket_id == ticket_id))


@pytest.fixture
def jobs(monkeypatch):
    """The survey email jobs queued after commits, run by the test when it chooses."""
    queued = []
    monkeypatch.setattr(surveys, "enqueue", lambda path, *args, **kw: queued.append((path, args, kw)))
    return queued


def test_off_by_default_nothing_is_offered(sync_queue, sink, attachment_dir, agent):
    assert surveys.settings() == {"enabled": False, "delay": 0}
    ticket_id = inbound_ticket()
    status.change_status(ticket_id, "resolved", agent.id)
    assert survey(ticket_id) is None and sink.captured.envelopes == []


def test_resolve_emails_a_survey_in_the_thread_once(sync_queue, sink, attachment_dir, agent, frozen):
    surveys.save_settings(True, 0)
    ticket_id = inbound_ticket()
    replies.post_reply(ticket_id, agent.id, "Your parcel ships today.", "email")
    assert sink.captured.wait_for(1)
    status.change_status(ticket_id, "resolved", agent.id)
    assert sink.captured.wait_for(2)
    mail = sink.captured.messages()[1]
    assert mail["Subject"] == "Re: Order 1234 is late"
    assert mail["In-Reply-To"] == "<m1@customer.test>"  # the customer's message: it threads
    assert "<m1@customer.test>" in mail["References"]
    assert mail["Reply-To"] == reply_address(ticket_id)
    assert mail["Auto-Submitted"] == "auto-generated" and mail["X-Halo-Loop"] == "halo.localhost"
    assert mail["To"].addresses[0].addr_spec == "carla@customer.test"
    text = mail.get_body(("plain",)).get_content()
    links = re.findall(r"(http://\S+/survey/(\S+)\?rating=(good|okay|bad))", text)
    assert [r for _, _, r in links] == ["good", "okay", "bad"]
    assert tokens.ticket_of(links[0][1]) == ticket_id
    assert all(url in mail.get_body(("html",)).get_content() for url, _, _ in links)
    s = survey(ticket_id)
    assert (s.channel, s.email_state, s.email_attempts, s.email_sent_at) == ("email", "sent", 1, frozen.start)
    # The job again (a retry, a second worker): the claim is gone, nothing is sent.
    assert csat_mail.deliver(s.id, s.resolve_event_id) == "sent"
    assert csat_mail.send_due(clock.now() + timedelta(hours=1)) == 0
    assert len(sink.captured.envelopes) == 2


def test_one_survey_per_resolve_cycle(sync_queue, sink, attachment_dir, agent, frozen):
    surveys.save_settings(True, 0)
    ticket_id = inbound_ticket()
    status.change_status(ticket_id, "resolved", agent.id)
    first = survey(ticket_id).resolve_event_id
    status.change_status(ticket_id, "open", agent.id)  # reopened by mistake, resolved again
    status.change_status(ticket_id, "resolved", agent.id)
    assert survey(ticket_id).resolve_event_id == first
    assert sink.captured.wait_for(1) and len(sink.captured.envelopes) == 1
    surveys.record(ticket_id, "bad", "Still broken")
    frozen(frozen.start + timedelta(days=3))  # the customer came back; a new cycle asks again
    email_ingest.receive_email(make_raw(message_id="<m2@customer.test>", in_reply_to="<m1@customer.test>",
                                        body="It broke again."), "smtp")
    assert db.session.get(Ticket, ticket_id).status == "open"
    status.change_status(ticket_id, "resolved", agent.id)
    assert sink.captured.wait_for(2)
    s = survey(ticket_id)
    assert s.resolve_event_id != first and s.offered_at == clock.now()
    assert s.rating == "bad"  # one answer per ticket: it stands until the customer answers again
    surveys.record(ticket_id, "good")
    assert survey(ticket_id).rating == "good" and db.session.scalar(
        db.select(db.func.count()).select_from(CsatSurvey)) == 1


def test_not_offered_for_automatic_resolves_api_tickets_or_without_email(agent, jobs):
    surveys.save_settings(True, 0)
    ai = make_ticket()
    status.apply_status(ai, "resolved", None, None, clock.now(), reason="answered by the AI")
    db.session.commit()
    no_email = make_ticket(customer=None)
    no_email.customer.email = None
    db.session.commit()
    status.change_status(no_email.id, "resolved", agent.id)
    api = make_ticket(channel="api")
    status.change_status(api.id, "resolved", agent.id)
    assert db.session.scalar(db.select(db.func.count()).select_from(CsatSurvey)) == 0 and jobs == []


def test_a_ticket_reopened_spammed_or_merged_before_the_email_gets_none(sink, attachment_dir, agent, jobs, frozen):
    surveys.save_settings(True, 60)
    reopened, spammed, merged = (make_ticket(customer=None) for _ in range(3))
    for t in (reopened, spammed, merged):
        status.change_status(t.id, "resolved", agent.id)
    assert [kw["delay"] for _, _, kw in jobs] == [3600] * 3
    status.change_status(reopened.id, "open", agent.id)
    status.change_status(spammed.id, "spam", agent.id)
    target = make_ticket(customer=merged.customer)
    status.change_status(merged.id, "open", agent.id)
    merge.merge_tickets(target.id, [merged.id], agent.id)
    for _, (survey_id, event_id), _ in jobs:
        assert csat_mail.deliver(survey_id, event_id) == "queued"  # not due for an hour
    frozen(frozen.start + timedelta(minutes=61))
    assert csat_mail.send_due() == 0
    states = {t.id: (survey(t.id).email_state, survey(t.id).email_error) for t in (reopened, spammed, merged)}
    assert states[reopened.id] == ("skipped", "The ticket is Open now.")
    assert states[spammed.id] == ("skipped", "The ticket is Spam now.")
    assert states[merged.id] == ("skipped", "The ticket was merged.")
    assert sink.captured.envelopes == []


def test_a_mail_host_down_retries_then_sends_once(sink, attachment_dir, agent, jobs, frozen):
    surveys.save_settings(True, 0)
    ticket = make_ticket()
    status.change_status(ticket.id, "resolved", agent.id)
    [(_, (survey_id, event_id), _)] = jobs
    sink.down()
    assert csat_mail.deliver(survey_id, event_id) == "queued"
    s = survey(ticket.id)
    assert s.email_attempts == 1 and "reach" in s.email_error
    assert s.email_due_at == frozen.start + timedelta(seconds=csat_mail.BACKOFF[0])
    sink.up()
    assert csat_mail.send_due() == 0  # not yet due
    frozen(frozen.start + timedelta(seconds=csat_mail.BACKOFF[0]))
    assert csat_mail.send_due() == 1 and csat_mail.send_due() == 0
    assert sink.captured.wait_for(1) and len(sink.captured.envelopes) == 1
    assert survey(ticket.id).email_state == "sent"


def test_an_answer_is_an_event_line_and_a_second_one_updates_it(agent, jobs, frozen):
    surveys.save_settings(True, 0)
    ticket = make_ticket()
    with pytest.raises(NotFound):
        surveys.record(ticket.id, "good")  # nothing asked yet
    status.change_status(ticket.id, "resolved", agent.id)
    with pytest.raises(ValidationError):
        surveys.record(ticket.id, "great")
    with pytest.raises(ValidationError):
        surveys.record(ticket.id, "good", "x" * (surveys.MAX_COMMENT + 1))
    assert surveys.record(ticket.id, "good", "  thanks!  ").changed
    assert not surveys.record(ticket.id, "good").changed  # clicked twice: nothing new
    assert not surveys.record(ticket.id, "good", "thanks!").changed
    frozen(frozen.start + timedelta(minutes=5))
    assert surveys.record(ticket.id, "okay").changed
    s = survey(ticket.id)
    assert (s.rating, s.comment, s.rated_at, s.rated_via) == ("okay", "thanks!", clock.now(), "email")
    lines = db.session.scalars(db.select(Message).where(Message.event_type == "csat").order_by(Message.id)).all()
    assert [(m.event_data["rating"], m.event_data["previous"], m.event_data["comment"]) for m in lines] == [
        ("good", None, "thanks!"), ("okay", "good", "thanks!")]
    assert db.session.get(Ticket, ticket.id).status == "resolved"  # an answer does not reopen


def test_csat_rated_goes_out_on_webhooks(app, agent, jobs, monkeypatch):
    monkeypatch.setattr(capture, "start_deliveries", lambda *a, **k: None)
    endpoints.create_endpoint("https://hooks.example.com/in", ["csat.rated"], "csat", None)
    surveys.save_settings(True, 0)
    ticket = make_ticket()
    status.change_status(ticket.id, "resolved", agent.id)
    surveys.record(ticket.id, "bad", "Too slow")
    surveys.record(ticket.id, "bad", "Too slow")
    [event] = db.session.scalars(db.select(WebhookEvent)).all()
    assert event.type == "csat.rated" and event.order_key == f"ticket:{ticket.id}"
    data = event.payload["data"]
    assert (data["rating"], data["previous"], data["comment"], data["via"]) == ("bad", None, "Too slow", "email")
    assert data["ticket"]["id"] == ticket.id and data["ticket"]["status"] == "resolved"


def test_tokens_are_signed_and_expire(app, frozen):
    token = tokens.make_token(42)
    assert tokens.ticket_of(token) == 42
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (forged, "", "x" * 400, "not-a-token", token.replace(".", "", 1)):
        with pytest.raises(tokens.BadLink) as exc:
            tokens.ticket_of(bad)
        assert not exc.value.expired
    frozen(frozen.start + timedelta(seconds=tokens.DEFAULT_MAX_AGE + 1))
    with pytest.raises(tokens.BadLink) as exc:
        tokens.ticket_of(token)
    assert exc.value.expired


def test_settings_refuse_an_unknown_delay(app):
    with pytest.raises(ValidationError):
        surveys.save_settings(True, "7")
    with pytest.raises(ValidationError):
        surveys.save_settings(True, "soon")
    assert surveys.settings()["enabled"] is False


def test_a_worker_that_died_mid_send_is_never_followed_by_a_second_email(sink, attachment_dir, agent, jobs,
                                                                          frozen, monkeypatch):
    surveys.save_settings(True, 0)
    ticket = make_ticket()
    status.change_status(ticket.id, "resolved", agent.id)
    [(_, (survey_id, event_id), _)] = jobs

    def killed(*_a, **_k):
        raise SystemExit("worker killed")
    monkeypatch.setattr(csat_mail, "transmit", killed)
    with pytest.raises(SystemExit):
        csat_mail.deliver(survey_id, event_id)
    monkeypatch.undo()
    db.session.rollback()
    assert survey(ticket.id).email_state == "sending"
    assert csat_mail.deliver(survey_id, event_id) == "sending"  # the claim is taken
    assert csat_mail.send_due() == 0 and survey(ticket.id).email_state == "sending"
    frozen(frozen.start + csat_mail.STALE_CLAIM)
    assert csat_mail.send_due() == 0
    s = survey(ticket.id)
    assert s.email_state == "failed" and "may have arrived" in s.email_error
    assert sink.captured.envelopes == []
