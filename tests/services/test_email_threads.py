"""Email threading rules, called directly: reply tokens, header ids, participants, customers."""
import re

from halo.extensions import db
from halo.models import Customer, Message
from halo.services.email import threads
from tests.factories import make_customer, make_ticket


def test_reply_address_is_a_signed_token_per_ticket(app):
    address = threads.reply_address(42)
    assert re.fullmatch(r"t42\.[a-z2-7]{52}@halo\.localhost", address)
    assert threads.reply_address(43).split("@")[0][4:] != address.split("@")[0][4:]
    app.config["SECRET_KEY"] = "another-secret"  # restored after the test
    assert threads.reply_address(42) != address


def test_a_token_is_read_back_in_any_case_and_after_a_plus():
    token = threads.reply_address(42)
    assert threads.ticket_from_token([token]) == 42
    assert threads.ticket_from_token([token.upper()]) == 42
    assert threads.ticket_from_token(["support+" + token.split("@")[0] + "@gmail.com"]) == 42
    assert threads.ticket_from_token([None, "", "help@acme.test", token]) == 42
    assert threads.ticket_from_token([threads.reply_address(7), token]) == 7  # the first one counts


def test_a_forged_or_borrowed_token_is_refused():
    token = threads.reply_address(42)
    local, domain = token.split("@")
    flipped = local[:-1] + ("a" if local[-1] != "a" else "b")
    assert threads.ticket_from_token([flipped + "@" + domain]) is None
    other_signature = threads.reply_address(43).split(".", 1)[1]
    assert threads.ticket_from_token(["t42." + other_signature]) is None
    assert threads.ticket_from_token(["x" + token]) is None  # must start the local part or follow a +
    assert threads.ticket_from_token([]) is None


def test_header_ids_put_in_reply_to_first_then_the_newest_reference():
    assert threads.header_ids("c@x", ["a@x", "b@x", "c@x"]) == ["c@x", "b@x", "a@x"]
    assert threads.header_ids(None, ["a@x", "b@x"]) == ["b@x", "a@x"]
    assert threads.header_ids("c@x", None) == ["c@x"]
    assert threads.header_ids(None, []) == []


def _with_message_id(ticket, message_id, email_from=None):
    message = db.session.scalars(db.select(Message).where(Message.ticket_id == ticket.id)).first()
    message.email_message_id, message.email_from = message_id, email_from
    db.session.commit()
    return message


def test_headers_thread_only_for_someone_taking_part():
    ana = make_customer(email="Ana@Example.org")
    ticket = make_ticket(ana)
    _with_message_id(ticket, "first@mail.example.org")
    assert threads.ticket_from_headers(["first@mail.example.org"], "ana@example.ORG") == (ticket, "headers")
    assert threads.ticket_from_headers(["first@mail.example.org"], "eve@evil.test") == (None, "headers_not_participant")
    assert threads.ticket_from_headers(["unknown@x", None, ""], "ana@example.org") == (None, None)
    assert threads.ticket_from_headers([], "ana@example.org") == (None, None)


def test_the_first_known_id_decides_and_only_thirty_are_read():
    ana = make_customer(email="ana@example.org")
    first, second = make_ticket(ana), make_ticket(ana)
    _with_message_id(first, "one@x")
    _with_message_id(second, "two@x")
    assert threads.ticket_from_headers(["two@x", "one@x"], "ana@example.org")[0].id == second.id
    padding = [f"p{i}@x" for i in range(30)]
    assert threads.ticket_from_headers(padding[:29] + ["one@x"], "ana@example.org")[0].id == first.id
    assert threads.ticket_from_headers(padding + ["one@x"], "ana@example.org") == (None, None)


def test_the_customer_and_people_an_agent_added_take_part_not_anyone_who_wrote():
    from halo.services.email import participants
    from tests.factories import make_user
    ticket = make_ticket(make_customer(email="ana@example.org"))
    message = _with_message_id(ticket, "m@x", email_from="Boss@Example.org")
    assert not threads.is_participant(ticket, "boss@example.org")  # writing is not enough
    assert threads.is_participant(ticket, "ANA@example.org")
    participants.add_from_message(message.id, make_user().id)
    assert threads.is_participant(ticket, "boss@example.org")
    assert not threads.is_participant(ticket, "other@example.org")
    assert not threads.is_participant(ticket, "") and not threads.is_participant(ticket, None)
    nameless = make_ticket(make_customer(email=None))
    assert not threads.is_participant(nameless, "")
    assert not threads.is_participant(nameless, "boss@example.org")  # added on another ticket only


def test_customers_are_found_by_address_in_any_case_or_created():
    known = make_customer(email="ana@example.org", name="")
    found = threads.find_or_create_customer("  ANA@example.org ", " Ana Lopez ")
    assert found.id == known.id and found.name == "Ana Lopez"
    assert threads.find_or_create_customer("ana@example.org", "Someone Else").name == "Ana Lopez"
    new = threads.find_or_create_customer(" New@Example.org", "  " + "N" * 250)
    unnamed = threads.find_or_create_customer("anon@example.org", None)
    db.session.flush()
    assert (new.email, new.name, new.traits) == ("new@example.org", "N" * 200, {})
    assert unnamed.name == ""
    assert threads.find_or_create_customer("anon@example.org", "M" * 250).name == "M" * 200
    assert db.session.scalar(db.select(db.func.count(Customer.id))) == 3


def test_the_reply_token_of_a_known_ticket_and_secret_does_not_change():
    # Addresses already in customers' mailboxes must keep working after an upgrade.
    assert threads.reply_address(42) == "t42.k3keatdrlom2nmud6vz5gobwd4744rfb6uy676azhxeyxyanyona@halo.localhost"
