"""Languages (halo/i18n.py): which locale a page, a flash, a mail and a kept piece speak,
and the Spanish catalogue's completeness against the messages the source marks."""
import os
from datetime import timedelta

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from halo import i18n
from halo.extensions import db
from halo.models import Ticket, User
from halo.services.csat import surveys
from halo.services.notifications import mail
from halo.services.tickets import notifications, replies, status
from tests.conftest import Browser
from tests.email_support import attachment_dir, make_raw, sink, sync_queue  # noqa: F401
from tests.factories import make_ticket, make_user

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PO = os.path.join(ROOT, "halo", "translations", "es", "LC_MESSAGES", "messages.po")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}
METHODS = [("halo/**.py", "python"), ("halo/templates/**.html", "jinja2"), ("halo/templates/**.txt", "jinja2")]


def _choose(user, code):
    user.locale = code
    db.session.commit()


# Locale selection


def test_the_browser_language_picks_a_supported_locale_and_english_is_the_fallback(client):
    assert 'lang="es"' in client.get("/login", headers={"Accept-Language": "es-ES,es;q=0.9"}).text
    assert "Iniciar sesión" in client.get("/login", headers={"Accept-Language": "es-MX"}).text
    page = client.get("/login", headers={"Accept-Language": "de-DE,fr;q=0.8"}).text  # none spoken
    assert 'lang="en"' in page and "Sign in" in page
    assert 'lang="en"' in client.get("/login").text  # no header at all: English


def test_the_teammate_choice_beats_the_browser_and_automatic_follows_it(client, agent):
    browser = Browser(client)
    browser.login(agent.email)
    assert "Your profile" in browser.client.get("/profile", headers={"Accept-Language": "en-US"}).text
    response = browser.post("/profile/language", data={"locale": "es"}, follow_redirects=True)
    assert "Idioma guardado." in response.text  # the flash is in the language just chosen
    assert db.session.get(User, agent.id).locale == "es"
    page = browser.client.get("/inbox/open", headers={"Accept-Language": "en-US"}).text
    assert 'lang="es"' in page and "Cerrar sesión" in page
    browser.post("/profile/language", data={"locale": ""})  # Automatic
    assert db.session.get(User, agent.id).locale is None
    assert "Sign out" in browser.client.get("/inbox/open", headers={"Accept-Language": "en-US"}).text
    assert "Cerrar sesión" in browser.client.get("/inbox/open", headers={"Accept-Language": "es"}).text


def test_an_unsupported_choice_is_refused_and_changes_nothing(client, agent):
    browser = Browser(client)
    browser.login(agent.email)
    response = browser.post("/profile/language", data={"locale": "klingon"}, follow_redirects=True)
    assert response.status_code == 200 and "Choose one of the languages listed." in response.text
    assert db.session.get(User, agent.id).locale is None


def test_a_tag_matches_its_language(app):
    with app.app_context():
        assert [i18n.match(t) for t in ("es-ES", "ES", "es_MX", "pt-BR", "", None)] == ["es", "es", "es", None, None, None]


# Kept pieces carry the locale


def test_a_kept_thread_is_per_language(client, frozen):
    """The thread piece is shared by every teammate (its key names no one): a Spanish
    teammate after an English one, in the same minute and stamps, gets it in Spanish."""
    ana, ben = make_user(email="ana@example.com"), make_user(email="ben@example.com")
    _choose(ana, "es")
    ticket = make_ticket(subject="Parcel lost")
    status.change_status(ticket.id, "resolved", None)
    first, second = Browser(client), Browser(client)
    first.login(ben.email)
    assert "set status to" in first.get(f"/tickets/{ticket.id}").text  # rendered and kept in English
    first.post("/logout")
    second.login(ana.email)
    spanish = second.get(f"/tickets/{ticket.id}").text
    assert "cambió el estado a" in spanish and "set status to" not in spanish


def test_kept_inbox_rows_follow_the_browser_language_of_the_same_teammate(client, agent, frozen):
    make_ticket(subject="Parcel lost")
    browser = Browser(client)
    browser.login(agent.email)
    english = browser.client.get("/inbox/open", headers={"Accept-Language": "en"}).text
    assert "Parcel lost" in english and "just now" in english
    spanish = browser.client.get("/inbox/open", headers={"Accept-Language": "es"}).text
    assert "Parcel lost" in spanish and "ahora mismo" in spanish and "just now" not in spanish


# Mail in the reader's language


def test_notification_mail_is_in_the_teammates_language(app, sink, frozen):  # noqa: F811
    sara = make_user(email="sara@example.com")
    _choose(sara, "es")
    ticket = make_ticket(subject="Refund twice")
    notifications.notify(sara.id, ticket.id, "mention", "Tom mentioned you on #1")
    db.session.commit()
    assert mail.send_due(frozen.start + timedelta(minutes=3))["sent"] == 1
    assert sink.captured.wait_for(1)
    body = sink.captured.messages()[0].get_body(("plain",)).get_content()
    assert "Elige qué te llega por correo en tu perfil" in body


def test_the_survey_mail_speaks_the_customers_language(sync_queue, sink, attachment_dir, agent, frozen):  # noqa: F811
    from halo.services.email import ingest as email_ingest
    surveys.save_settings(True, 0)
    row, _ = email_ingest.receive_email(make_raw(subject="Pedido tarde"), "smtp")
    ticket_id = db.session.get(type(row), row.id).ticket_id
    db.session.get(Ticket, ticket_id).customer.language = "es"
    db.session.commit()
    replies.post_reply(ticket_id, agent.id, "Su pedido sale hoy.", "email")
    assert sink.captured.wait_for(1)
    status.change_status(ticket_id, "resolved", agent.id)
    assert sink.captured.wait_for(2)
    text = sink.captured.messages()[1].get_body(("plain",)).get_content()
    assert "¿Cómo valoraría la ayuda que recibió?" in text and "Bien:" in text


# The catalogue


def test_the_spanish_catalogue_translates_every_marked_message():
    with open(PO, "rb") as f:
        catalogue = read_po(f)
    marked = {e[2] for e in extract_from_dir(ROOT, METHODS, keywords=KEYWORDS, comment_tags=())}
    missing, untranslated = [], []
    for msgid in marked:
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = catalogue.get(key)
        if entry is None:
            missing.append(key)
        elif entry.fuzzy or not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            untranslated.append(key)
    assert not missing, f"{len(missing)} messages missing from es: {sorted(missing)[:10]}"
    assert not untranslated, f"{len(untranslated)} untranslated or fuzzy: {sorted(untranslated)[:10]}"
    assert not [m.id for m in catalogue if m.id and m.check(catalogue)]  # placeholders kept


def _plain(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def test_the_committed_mo_is_the_compiled_po():
    """CI does not compile catalogues: the .mo beside the .po must say the same."""
    with open(PO, "rb") as f:
        po = {_plain(m.id): _plain(m.string) for m in read_po(f) if m.id}
    with open(PO[:-3] + ".mo", "rb") as f:
        mo = {_plain(m.id): _plain(m.string) for m in read_mo(f) if m.id}
    assert po == mo and len(po) > 1000


def test_the_inbox_views_sorts_and_sla_filters_speak_the_page_language(client, agent):
    browser = Browser(client)
    browser.login(agent.email)
    _choose(db.session.get(User, agent.id), "es")
    page = browser.client.get("/inbox/mine").text
    assert "<h1>Míos</h1>" in page and "Menciones" in page
    assert "Orden: Última actualización" in page and "SLA incumplido" in page
    chip = browser.client.get("/inbox/open?sla=breached").text
    assert "SLA incumplido" in chip.split('id="inbox-results"')[1]
