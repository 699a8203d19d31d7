"""CSAT as a customer meets it: the rating choice in the embedded widget once a teammate
resolves the chat, and the survey page an email link opens (under the strict CSP)."""
from playwright.sync_api import expect

from halo.extensions import db
from halo.models import CsatSurvey, Visitor
from halo.services.csat import surveys, tokens
from halo.services.settings import set_setting
from halo.services.tickets import status
from tests.browser.test_chat_widget import shop  # noqa: F401  (the customer's site fixture)
from tests.factories import make_ticket, make_user


def _rating(ticket_id):
    db.session.expire_all()
    return db.session.execute(db.select(CsatSurvey.rating, CsatSurvey.comment)
                              .where(CsatSurvey.ticket_id == ticket_id)).one()


def test_the_widget_asks_after_a_resolve_and_takes_the_answer(live_server, shop, new_page):  # noqa: F811
    set_setting("widget_allowed_origins", [shop])
    surveys.save_settings(True, 0)
    agent = make_user()
    visitor = new_page(viewport={"width": 390, "height": 800})
    visitor.goto(shop)
    widget = visitor.locator("#halo-chat-widget")
    widget.locator(".launcher").click()
    widget.locator("textarea").fill("My kettle leaks")
    widget.locator("textarea").press("Enter")
    expect(widget.locator(".msg.visitor[data-id]")).to_have_count(1)
    expect(widget.locator(".survey")).to_be_hidden()
    db.session.expire_all()
    ticket_id = db.session.scalar(db.select(Visitor.ticket_id))

    status.change_status(ticket_id, "resolved", agent.id)
    survey = widget.locator(".survey")
    expect(survey).to_be_visible()
    survey.locator("button[data-rating=good]").click()
    expect(survey.locator("button[data-rating=good]")).to_have_attribute("aria-pressed", "true")
    expect(survey).to_contain_text("Thanks for your rating")
    survey.locator("input.comment").fill("Fixed in minutes")
    survey.get_by_role("button", name="Send").click()
    expect(survey).to_contain_text("We got your rating and comment")  # the server's answer
    assert _rating(ticket_id) == ("good", "Fixed in minutes")

    widget.locator("textarea").fill("Actually, one more question")  # reopens: the choice goes
    widget.locator("textarea").press("Enter")
    expect(survey).to_be_hidden()


def test_the_survey_page_under_the_policy(live_server, new_page):
    surveys.save_settings(True, 0)
    ticket = make_ticket()
    status.change_status(ticket.id, "resolved", make_user().id)
    db.session.commit()
    page = new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{live_server}/survey/{tokens.make_token(ticket.id)}?rating=okay")
    expect(page.locator("input[value=okay]")).to_be_checked()
    page.locator("label.survey-bad").click()
    page.fill("textarea[name=comment]", "Took three days")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Thank you!")
    expect(page.locator(".survey-rated")).to_have_text("Not good")
    assert _rating(ticket.id) == ("bad", "Took three days")
    assert problems == []
    page.goto(f"{live_server}/survey/forged-token?rating=good")
    expect(page.locator("[role=alert]")).to_contain_text("not valid")
