"""The chat widget channel: visitors and their signed tokens, identification, the
visitor's messages and what a widget may read, delivery state, and the widget settings.

Other packages and the widget socket use the names below.
"""
from halo.services.chat.messages import (
    CHANNEL,
    MAX_CHAT_BODY,
    PAGE,
    deliver_chat,
    mark_delivered,
    messages_after,
    receive_visitor_message,
    widget_json,
)
from halo.services.chat.visitors import (
    get_visitor,
    identify_visitor,
    open_visitor,
    valid_user_hash,
    visitor_connected,
    visitor_token,
)

__all__ = ["CHANNEL", "MAX_CHAT_BODY", "PAGE", "deliver_chat", "get_visitor", "identify_visitor",
           "mark_delivered", "messages_after", "open_visitor", "receive_visitor_message",
           "valid_user_hash", "visitor_connected", "visitor_token", "widget_json"]
