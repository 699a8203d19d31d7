"""Inboxes, and the API channel's way in: a bridge posts its customers' messages."""
from typing import Literal

from flask_babel import gettext
from pydantic import BaseModel, Field

from halo.blueprints.api.messages import MessageOut, message_out
from halo.blueprints.api.spec import Strict, body, endpoint, principal
from halo.services.access import inboxes
from halo.services.access import scope as access_scope
from halo.services.errors import NotFound
from halo.services.integrations import api_channel, reach


class InboxOut(BaseModel):
    id: int
    name: str
    kind: Literal["api", "mail"] = Field(description="api: an API channel's inbox, which bridges post to")


class InboxList(BaseModel):
    data: list[InboxOut]


class Contact(Strict):
    id: str = Field(min_length=1, max_length=200, description="the bridge's own id for the person")
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254, description="links the contact to the customer with it")


class BridgeMessage(Strict):
    id: str = Field(min_length=1, max_length=api_channel.MAX_MESSAGE_ID, pattern=r"^[\x21-\x7e]+$",
                    description="the bridge's id for the message: the same id is stored once")
    text: str = Field(min_length=1, max_length=api_channel.MAX_TEXT)


class InboundMessage(Strict):
    contact: Contact
    message: BridgeMessage


class PostedMessage(MessageOut):
    duplicate: bool = Field(description="true when this message id was already stored")


def _visible_inbox_ids(who):
    return None if who.user_id is None else access_scope.visible_inbox_ids(who.user_id)


@endpoint("read", resp=InboxList, tags=("inboxes",))
def list_inboxes():
    """List inboxes

    The inboxes the token sees; those of kind api take a bridge's messages."""
    seen = _visible_inbox_ids(principal())
    kinds = {c.inbox_id for c in api_channel.list_channels()}
    return InboxList(data=[InboxOut(id=i.id, name=i.name, kind="api" if i.id in kinds else "mail")
                           for i in inboxes.list_inboxes() if seen is None or i.id in seen])


@endpoint("write", json=InboundMessage, resp=PostedMessage, status=201, also=(200,), errors=(422,),
          tags=("inboxes",))
def post_inbound(inbox_id: int):
    """Post a customer's message to an API channel

    The bridge's contact id finds the customer and their open conversation (or starts
    one); the message id makes a retry store nothing twice (200 with duplicate: true).
    The team's replies come back to the channel's endpoint as signed deliveries."""
    data, who = body(), principal()
    seen = _visible_inbox_ids(who)
    if seen is not None and inbox_id not in seen:
        raise NotFound(gettext("Inbox #%(inbox_id)s does not exist.", inbox_id=inbox_id))
    reach.require(who, "work")
    message, created = api_channel.receive(inbox_id, data.contact.id, data.message.id, data.message.text,
                                           name=data.contact.name or "", email=data.contact.email)
    out = PostedMessage(**message_out(message).model_dump(), duplicate=not created)
    return out, 201 if created else 200
