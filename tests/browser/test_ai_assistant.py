"""A person's path: AI Draft streams into the composer with its sources (over the agent
socket; by polling when the socket is gone); HaloPilot reads the plan (its answer pushed
over the socket too)."""
from playwright.sync_api import expect

from halo.services.ai import knowledge as ai_knowledge
from halo.services.tickets import replies
from tests.ai_support import ai_server  # noqa: F401
from tests.browser.conftest import sign_in
from tests.factories import make_customer, make_ticket, make_user


def test_ai_draft_and_halopilot(live_server, new_page, ai_server):
    agent = make_user(email="sara@example.com", name="Sara Lind")
    customer = make_customer(name="Carla Diaz", traits={"plan": "growth", "company": "Acme"})
    ticket = make_ticket(customer=customer, subject="Password reset", body="How do I reset my password?")
    replies.post_reply(ticket.id, agent.id, "Carla is on a trial extension, do not mention it", "note")
    article = ai_knowledge.create_article("Reset your password", "Use the Forgot password link on the sign-in page.", True, None)  # published by the workspace (an admin's call)
    ai_server.chunk_size = 1

    page = new_page()
    sockets = []
    page.on("websocket", lambda socket: sockets.append(socket))
    sign_in(page, live_server, agent.email)
    page.goto(f"{live_server}/tickets/{ticket.id}")
    page.wait_for_selector("#live-socket[data-state=live]", state="attached")
    # Polling learns nothing here, so the composer can only be filled from the socket.
    page.route("**/ai/drafts/*", lambda route: route.fulfill(
        status=200, content_type="application/json", body='{"id": 0, "state": "pending"}'))
    # The job's writes come over the agent socket, the last one with the finished draft.
    done = sockets[-1].expect_event("framereceived", predicate=lambda frame: 'id="ai-draft-feed"' in frame
                                    and '"state": "done"' in frame and "Forgot password link" in frame)
    with done:
        page.click("button[data-ai-draft]")
    page.wait_for_selector("#ai-draft-status:has-text('Draft ready to edit')")
    text = page.input_value("#composer textarea[name=body]")
    assert "Forgot password link" in text and "trial extension" not in text
    assert page.get_attribute("#ai-draft-status", "data-via") == "socket"
    link = page.locator("#ai-draft-sources a", has_text="Reset your password")
    assert link.get_attribute("href") == f"/knowledge/articles/{article.id}"
    assert any(r.get("stream") for r in ai_server.requests)

    # The answer comes over the socket too, in place of "Thinking…".
    with sockets[-1].expect_event("framereceived", predicate=lambda frame: 'class="pilot-turn pilot-ai done"'
                                  in frame and 'hx-swap-oob="true"' in frame):
        page.click("button.pilot-action[data-action=plan]")
    answer = page.locator("#pilot-log li.pilot-ai[data-state=done]").last
    answer.wait_for()
    expect(page.locator("#pilot-log li.pilot-ai")).to_have_count(1)  # pushed and polled: one line
    assert "growth plan" in answer.inner_text() and "Customer profile" in answer.inner_text()


def test_ai_draft_arrives_by_polling_without_the_socket(live_server, new_page, ai_server):
    agent = make_user(email="sara@example.com", name="Sara Lind")
    ticket = make_ticket(subject="Password reset", body="How do I reset my password?")
    ai_knowledge.create_article("Reset your password", "Use the Forgot password link on the sign-in page.", True, None)  # published by the workspace (an admin's call)

    page = new_page()
    sign_in(page, live_server, agent.email)
    page.goto(f"{live_server}/tickets/{ticket.id}")
    page.wait_for_selector("#live-socket[data-state=live]", state="attached")
    page.evaluate("document.getElementById('live-socket').remove()")  # htmx closes its socket
    page.click("button[data-ai-draft]")
    page.wait_for_selector("#ai-draft-status:has-text('Draft ready to edit')")
    assert "Forgot password link" in page.input_value("#composer textarea[name=body]")
    assert page.get_attribute("#ai-draft-status", "data-via") == "poll"
