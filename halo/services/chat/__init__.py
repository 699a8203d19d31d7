"""The chat widget channel: visitors and their signed tokens, identification, blocking,
the visitor's messages and what a widget may read, delivery state, rate limits and the
widget settings.

Other packages and the widget socket use the names below.
"""
from halo.services.chat.blocking import block_visitor, ticket_visitors, unblock_visitor
from halo.services.chat.messages import (
    CHANNEL,
    MAX_CHAT_BODY,
    PAGE,
    check_visitor_message,
    deliver_chat,
    mark_delivered,
    messages_after,
    receive_visitor_message,
    widget_json,
)
from halo.services.chat.throttle import init_throttle, throttle
from halo.services.chat.tokens import key_digest
from halo.services.chat.visitors import (
    Blocked,
    Identity,
    apply_identity,
    check_identity,
    find_visitor,
    get_visitor,
    identify_visitor,
    open_session,
    open_visitor,
    store_visitor,
    valid_user_hash,
    visitor_connected,
)

__all__ = ["CHANNEL", "MAX_CHAT_BODY", "PAGE", "Blocked", "Identity", "apply_identity",
           "block_visitor", "check_identity", "check_visitor_message", "deliver_chat",
           "find_visitor", "get_visitor", "identify_visitor", "init_throttle", "key_digest",
           "mark_delivered", "messages_after", "open_session", "open_visitor",
           "receive_visitor_message", "store_visitor", "throttle", "ticket_visitors",
           "unblock_visitor", "valid_user_hash", "visitor_connected", "widget_json"]
