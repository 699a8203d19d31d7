"""The agent socket as team A's agent, through a real server and a real WebSocket client:
subscribing to team B's ticket hears nothing of it, its changes reach the list as counts
only, and a ticket moved to team B's inbox leaves the agent's open ticket page and list."""
import re

import pytest

from halo.services.access import inboxes
from halo.services.tickets import replies
from tests.access_support import SECRETS, two_teams
from tests.email_support import attachment_dir, sync_queue  # noqa: F401
from tests.factories import make_ticket

from .test_agent_socket_email import agent_socket  # noqa: F401


@pytest.fixture
def world(sync_queue, attachment_dir):  # noqa: F811
    return two_teams()


def _all_count(frame: str) -> int:
    return int(re.search(r'data-view="all">\s*<span>All</span>\s*<span class="count">(\d+)<', frame).group(1))


def _clean(frames) -> list[str]:
    return [s for f in frames for s in SECRETS if s.lower() in f.lower()]


def test_team_b_ticket_is_not_heard(world, agent_socket):  # noqa: F811
    tb, ta = world["tb"], world["ta"]
    page = agent_socket(world["sara"].email, ticket=tb, after=0)  # a hello naming B's ticket
    inbox = agent_socket(world["sara"].email, view="all")
    inbox.until('id="view-counts"')
    page.until('id="view-counts"')  # subscribed: the counts, and nothing of B's thread
    replies.post_reply(tb, world["bo"].id, "Kumquat follow-up for team B", "note")
    replies.post_reply(ta, world["admin"].id, "Marker for team A", "note")
    inbox.until(f'id="ticket-row-{ta}"')  # B's change came first on the bus, A's after it
    assert _clean(page.frames + inbox.frames) == []
    assert not any(f"ticket-row-{tb}" in f or "Kumquat" in f for f in inbox.frames)
    assert not any('id="thread"' in f or "msg-" in f for f in page.frames)


def test_a_ticket_moved_out_of_sight_leaves_the_open_page_and_list(world, agent_socket):  # noqa: F811
    ta = world["ta"]
    page = agent_socket(world["sara"].email, ticket=ta)
    inbox = agent_socket(world["sara"].email, view="all")
    inbox.until('id="view-counts"')
    page.until('id="view-counts"')
    inboxes.move_ticket(ta, world["b"], world["admin"].id)
    gone = page.until('id="ticket-layout"')
    assert "moved to an inbox you do not work" in gone
    removed = inbox.until(f'id="ticket-row-{ta}"')
    assert 'hx-swap-oob="delete"' in removed
    assert _all_count(removed) == 0
    # Later changes of the moved ticket reach neither socket; a new ticket of team A's,
    # announced after them, is the marker both sockets hear (All goes from 0 to 1).
    replies.post_reply(ta, world["admin"].id, "Kumquat after the move", "note")
    marker = make_ticket(subject="Marker", inbox_id=world["a"])
    replies.post_reply(marker.id, world["admin"].id, "Marker note", "note")
    inbox.until(f'id="ticket-row-{marker.id}"')
    page.until('data-view="all"', when=lambda f: _all_count(f) == 1)
    assert not any("Kumquat" in f for f in page.frames + inbox.frames)
