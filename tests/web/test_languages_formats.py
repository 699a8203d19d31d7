"""Dates, figures and labels in the page's language (halo/formats.py and the label tables):
what a Spanish-speaking teammate reads where English used to leak through, and the same
pages still in English for an English one."""
from datetime import datetime, timedelta

from flask_babel import force_locale

from halo import clock
from halo.extensions import db
from halo.models import Message, User
from halo.services import audit
from halo.services.tickets import bulk, status
from tests.factories import make_customer, make_ticket

NOW = datetime(2026, 12, 4, 12, 0)


def _speak(user_id, code):
    db.session.get(User, user_id).locale = code
    db.session.commit()


def _answered(channel, minutes, created):
    ticket = make_ticket(now=created, channel=channel)
    db.session.add(Message(ticket_id=ticket.id, kind="agent", channel=channel, body_text="On it",
                           delivery="sent", created_at=created + timedelta(minutes=minutes)))
    db.session.commit()
    return ticket


def test_the_report_speaks_in_units_dates_and_channels_of_the_page_language(as_agent, agent):
    clock.set_now(NOW)
    _answered("email", 204, NOW - timedelta(days=1))  # 3.4 hours
    _speak(agent.id, "es")
    page = as_agent.get("/reports").text
    assert "3,4 h" in page and "3.4 hr" not in page
    assert "3 dic 2026 · Correo: 1" in page  # a bar's title: the day, the channel, the count
    assert '<span class="swatch series-email"></span> Correo' in page and "<th>Correo</th>" in page
    assert "<td>3 dic 2026</td>" in page
    _speak(agent.id, "en")
    page = as_agent.get("/reports").text
    assert "3.4 hr" in page and "Dec 3, 2026 · Email: 1" in page


def test_the_report_per_teammate_names_its_rows_and_bars_in_the_page_language(as_agent, agent):
    clock.set_now(NOW)
    _answered("chat", 30, NOW - timedelta(days=1))
    _speak(agent.id, "es")
    page = as_agent.get("/reports/teammates").text
    assert ">Compañeros</a>" in page and "<th>Compañero</th>" in page
    assert "Sin asignar: 1 este periodo" in page and "Sin asignar: 0 el periodo anterior" in page


def test_the_ticket_page_words_its_controls_dates_and_chips_in_the_page_language(as_agent, agent, frozen):
    customer = make_customer(created_at=datetime(2026, 3, 4, 10, 0), language="de")
    ticket = make_ticket(customer=customer)
    make_ticket(customer=customer, subject=None, status="resolved")
    status.change_status(ticket.id, "snoozed", agent.id, until=datetime(2026, 11, 24, 13, 0))
    as_agent.post("/profile", {"timezone": "Europe/Paris"})
    _speak(agent.id, "es")
    page = as_agent.get(f"/tickets/{ticket.id}").text
    assert "Pospuesto hasta mar, 24 nov, 14:00 (Europe/Paris)" in page
    assert "4 mar 2026" in page  # customer since
    assert ">alemán<" in page  # the customer's language, named in Spanish
    assert "(sin asunto)" in page and ">Resuelto</span>" in page  # the customer's other ticket
    assert ">Más tarde hoy<" in page and ">Mañana por la mañana<" in page  # snooze presets
    assert ">Resumir esta conversación<" in page and ">Redactar una respuesta<" in page  # HaloPilot
    assert ">Nota</a>" in page and ">Correo</span>" in page
    _speak(agent.id, "en")
    page = as_agent.get(f"/tickets/{ticket.id}").text
    assert "Snoozed until Tue, Nov 24, 14:00 (Europe/Paris)" in page and "Mar 4, 2026" in page
    assert ">German<" in page and ">Later today<" in page


def test_settings_name_weekdays_choices_and_log_lines_in_the_page_language(as_admin, admin):
    audit.record(admin.id, "sign_in")
    _speak(admin.id, "es")
    hours = as_admin.get("/settings/business-hours").text
    assert "lunes" in hours and "domingo" in hours and "Monday" not in hours
    refused = as_admin.post("/settings/business-hours", {"timezone": "UTC", "day0": "25:00-26:00",
                                                        **{f"day{i}": "" for i in range(1, 7)}})
    assert refused.status_code == 400 and "lunes:" in refused.text  # the error names the day
    assert "La dirección a la que escribió el cliente" in as_admin.get("/settings/emails").text
    assert "inició sesión" in as_admin.get("/settings/security").text


def test_an_undo_offer_speaks_the_page_language(as_agent, agent):
    ticket = make_ticket()
    _speak(agent.id, "es")
    response = as_agent.post(f"/tickets/{ticket.id}/status", {"status": "resolved"}, hx=True)
    assert f"#{ticket.id} resuelto." in response.text


def test_refusals_and_bulk_outcomes_speak_the_page_language(as_agent, agent):
    spam = make_ticket(status="spam")
    _speak(agent.id, "es")
    refused = as_agent.post(f"/tickets/{spam.id}/status", {"status": "priority"}, hx=True)
    assert "Un ticket Spam no puede pasar a Prioridad (reábrelo antes)." in refused.text
    with force_locale("es"):
        summary = bulk.bulk_update([spam.id], "status", "priority", agent.id).summary()
    assert summary == f"0 actualizados, 1 omitido: #{spam.id}: está Spam"
