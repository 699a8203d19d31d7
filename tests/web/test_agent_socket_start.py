"""What the agent socket sends first on an inbox page: the rows too, when the list changed
between the page's render and the subscription (else they would wait for a reconnect)."""
from halo.blueprints.live.ws import AgentPage
from halo.services import status
from tests.conftest import Browser
from tests.factories import make_ticket

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
