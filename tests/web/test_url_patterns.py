"""Templates' url_for is kept per process as a pattern with a slot for each whole-number
argument: every ticket's links come from one pattern, and each answer is url_for's own."""
from flask import url_for

from halo import web


def test_whole_number_arguments_fill_one_pattern_in_the_path_and_the_query(app):
    with app.test_request_context("/inbox/open"):
        web._URLS.clear()
        first = web.url_for_cached("tickets.show", ticket_id=5, compose="note")
        other = web.url_for_cached("tickets.show", ticket_id=123456, compose="note")
        paged = web.url_for_cached("inbox.view", view="open", page=3)
        assert first == url_for("tickets.show", ticket_id=5, compose="note") == "/tickets/5?compose=note"
        assert other == url_for("tickets.show", ticket_id=123456, compose="note")
        assert paged == url_for("inbox.view", view="open", page=3)
        assert web.url_for_cached("inbox.view", view="open", page=12) == url_for("inbox.view", view="open", page=12)
        assert len(web._URLS) == 2  # one pattern a link, whatever the numbers


def test_other_values_are_part_of_the_key_not_a_slot(app):
    with app.test_request_context("/inbox/open"):
        assert web.url_for_cached("tickets.show", ticket_id=5, compose="email") == "/tickets/5?compose=email"
        assert web.url_for_cached("tickets.show", ticket_id=5, compose="note") == "/tickets/5?compose=note"
        # a number written as text, or a flag, is a value like any other
        assert web.url_for_cached("tickets.compose", ticket_id="8", mode="chat") == "/tickets/8/compose/chat"
        assert web.url_for_cached("inbox.view", view="open", page=True) == url_for("inbox.view", view="open", page=True)


def test_the_root_the_app_is_served_under_is_part_of_the_key(app):
    with app.test_request_context("/inbox/open", base_url="http://halo.test/desk/"):
        assert web.url_for_cached("tickets.show", ticket_id=9) == "/desk/tickets/9"
    with app.test_request_context("/inbox/open"):
        assert web.url_for_cached("tickets.show", ticket_id=9) == "/tickets/9"


def test_id_url_keys_its_fixed_values_too(app):
    with app.test_request_context("/inbox/open"):
        note = web.id_url("tickets.show", 4, ticket_id=None, compose="note")
        email = web.id_url("tickets.show", 4, ticket_id=None, compose="email")
    assert (note, email) == ("/tickets/4?compose=note", "/tickets/4?compose=email")
