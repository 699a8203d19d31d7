"""A customer's other addresses (those a merge brought) find the customer from every way in:
mail, the widget's verified identify, the API's new ticket, the API channel's contact, and
the API's customer lookup. None of them makes a second profile for a known address."""
import hashlib
import hmac

import pytest

from halo.extensions import db
from halo.models import Customer, CustomerAddress, Ticket
from halo.services.chat import visitors as chat
from halo.services.customers import profiles
from halo.services.email.threads import find_or_create_customer
from halo.services.integrations import api_channel
from halo.services.settings import set_setting
from tests.factories import make_customer


@pytest.fixture
def maya(frozen):
    """Maya, whose work address is her email and whose Gmail address came with a merge."""
    customer = make_customer(name="Maya Costa", email="maya@work.test")
    db.session.add(CustomerAddress(customer_id=customer.id, email="maya.c@gmail.com", created_at=frozen.start))
    db.session.commit()
    return customer.id


def _customers() -> int:
    return db.session.scalar(db.select(db.func.count(Customer.id)))


def test_the_lookup_reads_either_address_in_any_case(maya):
    assert profiles.by_address(" Maya@Work.test ").id == maya
    assert profiles.by_address("MAYA.C@gmail.com").id == maya
    assert profiles.by_address("someone@else.test") is None and profiles.by_address("") is None


def test_mail_from_the_other_address_files_under_the_customer(maya):
    assert find_or_create_customer("Maya.C@Gmail.com", "Maya").id == maya


def test_a_verified_identify_with_the_other_address_joins_the_customer(maya):
    set_setting("widget_identity_secret", "s3cret")
    visitor, _ = chat.open_visitor(None)
    anonymous = visitor.customer_id
    user_hash = hmac.new(b"s3cret", b"maya.c@gmail.com", hashlib.sha256).hexdigest()
    chat.identify_visitor(visitor.id, "Maya.C@gmail.com", user_hash=user_hash)
    db.session.expire_all()
    assert chat.get_visitor(visitor.id).customer_id == maya
    assert db.session.get(Customer, anonymous) is None or db.session.get(Customer, anonymous).email is None


def test_an_api_channel_contact_with_the_other_address_is_the_customer(maya, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_OUTBOUND_ALLOW", "127.0.0.1")
    channel = api_channel.create_channel(admin.id, "WhatsApp", "http://127.0.0.1:9/bridge")
    before = _customers()
    message, created = api_channel.receive(channel.inbox_id, "wa:+4915550001", "m1", "Hello again",
                                           name="Maya", email="maya.c@gmail.com")
    assert created and db.session.get(Ticket, message.ticket_id).customer_id == maya
    assert _customers() == before


def test_the_api_finds_the_customer_by_the_other_address(maya, client, agent):
    from tests.api.conftest import Api, token_for
    api = Api(client, token_for(agent))
    made = api.post("/tickets", json={"customer": {"email": "MAYA.C@gmail.com"}, "body": "Still waiting."})
    assert made.status_code == 201 and made.get_json()["customer"]["id"] == maya
    assert _customers() == 1
    found = api.get("/customers?email=maya.c@gmail.com").get_json()["data"]
    assert [c["id"] for c in found] == [maya]
