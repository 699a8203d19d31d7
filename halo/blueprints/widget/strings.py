"""The chat widget's own words (halo/static/widget.js), sent in the welcome frame in the
visitor's language: widget.js keeps the English and shows the translation of each."""
from flask_babel import gettext

from halo.i18n import N_

STRINGS = (
    N_("Open chat"), N_("Close chat"), N_("Chat with us"), N_("Messages"), N_("Typing…"),
    N_("Rate this chat"), N_("How would you rate the help you got?"), N_("Comment"),
    N_("Anything to add? (optional)"), N_("Send"), N_("Message"), N_("Write a message…"),
    N_("%(count)s unread"), N_("this chat is closed"), N_("connecting…"),
    N_("Thanks! We got your rating and comment."),
    N_("Thanks for your rating! You can change it or add a comment."), N_("Team"), N_("Sending…"),
)


def catalogue() -> dict[str, str]:
    """English -> the current locale, for every word the widget shows."""
    return {s: gettext(s) for s in STRINGS}
