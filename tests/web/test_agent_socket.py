"""The agent socket's page object, driven directly: what it sends first on an inbox page
(the rows too, when the list changed between the render and the subscription), presence
that forgets a viewer whose process died without saying "left" (the expiry job says it), AI drafts sent to the
agent who asked only, and finished HaloPilot answers. The real socket, bus and browser are exercised by
tests/browser/test_live_agent.py and tests/browser/test_ai_assistant.py."""
import json
from datetime import timedelta

from sqlalchemy import select

from halo import realtime
from halo.blueprints.live import fragments
from halo.blueprints.live.ws import AgentPage
from halo.extensions import db
from halo.models import AiDraft, PilotMessage, Visitor
from halo.services import chat
from halo.services.tickets import handoff, presence, replies, status
from tests.conftest import Browser
from tests.factories import make_ticket, make_user

STAMP = 'data-stamp="'


class FakeSocket:
    """Collects what the page object sends (the real socket is exercised by the browser tests)."""
    connected = True

    def __init__(self):
        self.sent = []

    def send(self, data):
        self.sent.append(data)


def _first_frames(app, agent, page_html, view="open"):
    stamp = page_html.split(STAMP, 1)[1].split('"', 1)[0]
    ws = FakeSocket()
    with app.test_request_context("/ws/agent"):
        page = AgentPage(ws, agent.id, agent.name, {"type": "hello", "view": view, "stamp": stamp})
        page.start()
    return ws.sent


def test_an_unchanged_inbox_gets_counts_only(client, app, agent):
    browser = Browser(client)
    browser.login(agent.email)
    make_ticket(subject="Already there")
    html = browser.get("/inbox/open").text
    frames = _first_frames(app, agent, html)
    assert len(frames) == 1 and 'id="ticket-rows"' not in frames[0] and 'id="view-counts"' in frames[0]


def test_rows_written_before_the_socket_subscribed_arrive_with_it(client, app, agent):
    browser = Browser(client)
    browser.login(agent.email)
    gone = make_ticket(subject="Resolved meanwhile")
    html = browser.get("/inbox/open").text
    assert "Resolved meanwhile" in html
    make_ticket(subject="Arrived meanwhile")  # between the render and the socket's hello
    status.change_status(gone.id, "resolved", None)
    frames = _first_frames(app, agent, html)
    assert 'id="ticket-rows"' in frames[0] and "Arrived meanwhile" in frames[0]
    assert "Resolved meanwhile" not in frames[0]


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def _ticket_page(app, agent, ticket_id, monkeypatch):
    said = []
    monkeypatch.setattr("halo.services.tickets.presence.announce",
                        lambda ticket, kind, **data: said.append(kind))
    ws, clock = FakeSocket(), Clock()
    page = AgentPage(ws, agent.id, agent.name, {"type": "hello", "ticket": ticket_id})
    page.clock = clock
    page.next_beat = clock() + 20
    return page, ws, clock, said


def test_a_viewer_whose_process_died_is_dropped_when_the_expiry_job_finds_it(app, agent, frozen):
    ticket = make_ticket()
    with app.test_request_context("/ws/agent"), realtime.subscribe([f"ticket:{ticket.id}"]) as bus:
        presence.heartbeat(ticket.id, 99, "Ben Crashed", "b", "viewing")
        presence.heartbeat(ticket.id, 98, "Cleo Alive", "c", "viewing")
        ws = FakeSocket()
        page = AgentPage(ws, agent.id, agent.name, {"type": "hello", "ticket": ticket.id})
        page.start()  # who is here comes from the store: nobody has to answer
        shown = [frame for frame in ws.sent if f"ticket-{ticket.id}-presence" in frame][-1]
        assert "Ben Crashed" in shown and "Cleo Alive" in shown
        frozen(frozen.start + timedelta(seconds=40))
        presence.heartbeat(ticket.id, 98, "Cleo Alive", "c")  # her beat; Ben's process died
        page.beat()
        frozen(frozen.start + timedelta(seconds=61))
        assert presence.expire() == 1
        while (item := bus.get(0)) is not None:  # what the page's subscription hears
            page.on_event(*item)
        assert "Ben Crashed" not in ws.sent[-1] and "Cleo Alive" in ws.sent[-1]
        assert page.viewers == {"c": (98, "Cleo Alive")}


def test_a_page_says_here_every_beat_and_heartbeats_redraw_nothing(app, agent, monkeypatch):
    ticket = make_ticket()
    with app.test_request_context("/ws/agent"):
        page, ws, clock, said = _ticket_page(app, agent, ticket.id, monkeypatch)
        page.on_presence("viewing", {"user_id": 98, "conn": "c", "name": "Cleo"})
        said.clear()
        page.keep_presence()
        assert said == []
        clock.t += 20
        page.keep_presence()
        assert said == ["here"] and page._next_expiry() == 20
        frames = len(ws.sent)
        page.on_presence("here", {"user_id": 98, "conn": "c", "name": "Cleo"})
        assert len(ws.sent) == frames


def test_typing_shows_until_it_goes_quiet(app, agent, monkeypatch):
    ticket = make_ticket()
    with app.test_request_context("/ws/agent"):
        page, ws, clock, said = _ticket_page(app, agent, ticket.id, monkeypatch)
        page.on_presence("typing", {"user_id": 98, "conn": "c", "name": "Cleo Typist"})
        assert "typing" in ws.sent[-1] and page._next_expiry() == 6
        clock.t += 5
        page.expire_typing()
        assert 98 in page.typers  # still within TYPING_SHOWN
        clock.t += 1.5
        frames = len(ws.sent)
        page.expire_typing()
        assert 98 not in page.typers and len(ws.sent) == frames + 1
        assert "typing" not in ws.sent[-1] and "Cleo Typist" in ws.sent[-1]  # still viewing


def test_a_draft_goes_to_the_page_of_the_agent_who_asked_for_it_only(app, agent, monkeypatch):
    ticket, other = make_ticket(), make_ticket()
    draft = AiDraft(ticket_id=ticket.id, requested_by=agent.id, mode="email", state="streaming",
                    text="Hi <Carla>, use the Forgot password link", sources=[], offline=False)
    db.session.add(draft)
    db.session.commit()
    event = {"type": "draft", "ticket_id": ticket.id, "draft_id": draft.id, "user_id": agent.id}
    with app.test_request_context("/ws/agent"):
        page, ws, _, _ = _ticket_page(app, agent, ticket.id, monkeypatch)
        page.on_event(f"ticket:{ticket.id}", event)
        [frame] = ws.sent
        assert 'id="ai-draft-feed"' in frame and 'hx-swap-oob="true"' in frame
        feed = json.loads(frame.split(">", 1)[1].rsplit("</div>", 1)[0])
        assert feed["id"] == draft.id and feed["state"] == "streaming"
        assert feed["text"] == "Hi <Carla>, use the Forgot password link"
        assert "<Carla>" not in frame  # the JSON is HTML-safe
        ben = make_user(name="Ben Stone")
        for viewer, ticket_id in ((ben, ticket.id), (agent, other.id)):  # another agent; another page
            page, ws, _, _ = _ticket_page(app, viewer, ticket_id, monkeypatch)
            page.on_event(f"ticket:{ticket_id}", event)
            assert ws.sent == []


def test_a_finished_halopilot_answer_replaces_its_thinking_line(app, agent, monkeypatch):
    ticket, other = make_ticket(), make_ticket()
    pending = PilotMessage(ticket_id=ticket.id, role="assistant", author_id=agent.id, state="pending")
    done = PilotMessage(ticket_id=ticket.id, role="assistant", author_id=agent.id, state="done",
                        body="Carla is on the growth plan.", options=[], sources=[])
    db.session.add_all([pending, done])
    db.session.commit()
    with app.test_request_context("/ws/agent"):
        page, ws, _, _ = _ticket_page(app, agent, ticket.id, monkeypatch)
        page.on_event(f"ticket:{ticket.id}", {"type": "pilot", "ticket_id": ticket.id, "answer_id": done.id})
        [frame] = ws.sent
        assert f'id="pilot-{done.id}"' in frame and 'hx-swap-oob="true"' in frame
        assert "growth plan" in frame
        page.on_event(f"ticket:{ticket.id}", {"type": "pilot", "answer_id": pending.id})
        assert len(ws.sent) == 1  # still thinking: nothing to swap in
        page, ws, _, _ = _ticket_page(app, agent, other.id, monkeypatch)  # another ticket's page
        page.on_event(f"ticket:{other.id}", {"type": "pilot", "answer_id": done.id})
        assert ws.sent == []


def _chat(n):
    """A visitor online with a conversation; its ticket id."""
    visitor, _ = chat.open_visitor(None)
    chat.visitor_connected(visitor.id, +1)
    message, _ = chat.receive_visitor_message(visitor.id, f"c{n}", f"Hello from visitor {n}")
    return message.ticket_id


def _hear(bus, *pages):
    """Hand what the subscription heard to each page, as their sockets' loops do."""
    while (item := bus.get(0)) is not None:
        for page in pages:
            page.on_event(*item)


def test_a_live_and_inbox_page_gets_the_changed_chat_row_only(app, agent):
    first, second, third = _chat(1), _chat(2), _chat(3)
    handoff.take_over(second, agent.id)  # already the agent's: the reply changes only the row
    with app.test_request_context("/ws/agent"), realtime.subscribe(["inbox", "live"]) as bus:
        ws = FakeSocket()
        page = AgentPage(ws, agent.id, agent.name, {"type": "hello", "view": "open", "live": True})
        page.start()
        assert all(f'id="live-{t}"' in ws.sent[-1] for t in (first, second, third))  # the whole table
        ws.sent.clear()
        replies.post_reply(second, agent.id, "On it!", "chat")
        _hear(bus, page)
    sent = "".join(ws.sent)
    assert f'id="live-{second}"' in sent and f'id="ticket-row-{second}"' in sent and "On it!" in sent
    assert f'live-{first}"' not in sent and f'ticket-row-{first}"' not in sent
    assert 'id="live-rows" hx-swap-oob="true"' not in sent and 'id="ticket-rows"' not in sent
    # One frame each for the row and the Live row; the reply's delivery state (Waiting for
    # the visitor) that followed shows on its ticket page, not here.
    assert len(ws.sent) == 2 and 'hx-swap-oob="afterbegin:#live-rows"' in ws.sent[1]


def test_a_chat_listed_lower_is_redrawn_where_it_is(app, agent):
    older, newer = _chat(1), _chat(2)
    with app.test_request_context("/ws/agent"):
        ws = FakeSocket()
        page = AgentPage(ws, agent.id, agent.name, {"type": "hello", "live": True})
        leaving = db.session.scalar(select(Visitor.id).where(Visitor.ticket_id == older))
        chat.visitor_connected(leaving, -1)  # the older chat's visitor closes the widget
        page.on_event("live", {"type": "presence", "ticket_id": older, "message_id": None})
        [frame] = ws.sent
        assert frame.startswith(f'<tr id="live-{older}" hx-swap-oob="true"') and "Away" in frame
        assert f"live-{newer}" not in frame


def test_a_delivery_move_or_a_visitor_coming_sends_a_list_page_no_rows(app, agent):
    ticket_id = _chat(1)
    with app.test_request_context("/ws/agent"):
        ws = FakeSocket()
        page = AgentPage(ws, agent.id, agent.name, {"type": "hello", "view": "open", "live": True})
        for kind in ("delivery", "presence"):
            page.on_event("inbox", {"type": kind, "ticket_id": ticket_id, "message_id": None})
        page.on_event("live", {"type": "delivery", "ticket_id": ticket_id, "message_id": None})
        assert ws.sent == []
        page.on_event("live", {"type": "presence", "ticket_id": ticket_id, "message_id": None})
        [frame] = ws.sent
        assert f'id="live-{ticket_id}"' in frame and "Online" in frame


def test_a_chat_leaving_the_live_table_is_removed_and_the_last_one_redraws_it(app, agent):
    staying, leaving, last = _chat(1), _chat(2), _chat(3)
    with app.test_request_context("/ws/agent"):
        ws = FakeSocket()
        page = AgentPage(ws, agent.id, agent.name, {"type": "hello", "live": True})
        status.change_status(leaving, "resolved", None)
        page.on_event("live", {"type": "message", "ticket_id": leaving, "message_id": None})
        assert f'<tr id="live-{leaving}" hx-swap-oob="delete">' in ws.sent[-1]
        assert f"live-{staying}" not in ws.sent[-1]
        status.change_status(staying, "resolved", None)  # one chat left: the whole table
        page.on_event("live", {"type": "message", "ticket_id": staying, "message_id": None})
        assert 'id="live-rows" hx-swap-oob="true"' in ws.sent[-1] and f'id="live-{last}"' in ws.sent[-1]
        status.change_status(last, "resolved", None)
        page.on_event("live", {"type": "message", "ticket_id": last, "message_id": None})
        assert 'id="live-rows" hx-swap-oob="true"' in ws.sent[-1] and "No chats in progress." in ws.sent[-1]


def test_pages_showing_the_same_thing_share_one_render_per_event(app, agent, monkeypatch):
    ticket_id = _chat(1)
    renders = []
    inbox_update = fragments.inbox_update
    monkeypatch.setattr(fragments, "inbox_update",
                        lambda *args: renders.append(args) or inbox_update(*args))
    ben = make_user(name="Ben Stone")
    with app.test_request_context("/ws/agent"), realtime.subscribe(["inbox"]) as bus:
        sockets = [FakeSocket() for _ in range(3)]
        pages = [AgentPage(ws, who.id, who.name, {"type": "hello", "view": "open"})
                 for ws, who in zip(sockets, (agent, agent, ben))]
        status.change_status(ticket_id, "priority", None)
        _hear(bus, *pages)
    # One render for Ada's two tabs, one for Ben (the counts are each agent's own).
    assert sorted(r[2] for r in renders) == sorted([agent.id, ben.id])
    assert sockets[0].sent == sockets[1].sent and sockets[0].sent
    assert f'id="ticket-row-{ticket_id}"' in sockets[2].sent[0]
