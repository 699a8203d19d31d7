"""Translation with a tiny real Argos pack (tests/fixtures/translate), detection and fallbacks."""
import pathlib

import pytest

from halo import realtime
from halo.blueprints.live import fragments
from halo.extensions import db
from halo.models import Message, Ticket
from halo.services import chat
from halo.services.errors import ValidationError
from halo.services.translate import engine as translation
from halo.services.translate import tickets as translate_tickets
from tests.ai_support import ai_server  # noqa: F401
from tests.email_support import make_raw, sync_queue  # noqa: F401
from tests.factories import make_customer, make_ticket

PACK = pathlib.Path(__file__).parents[1] / "fixtures" / "translate" / "translate-en_es-tiny.argosmodel"
needs_argos = pytest.mark.skipif(
    not translation.available(),
    reason="argostranslate is not installed (make install-translate)")


@pytest.fixture
def packs(app, tmp_path):
    """An empty pack folder per test, with the tiny en->es pack available to install."""
    app.config["HALO_TRANSLATE_DIR"] = str(tmp_path / "packs")
    yield PACK
    app.config.pop("HALO_TRANSLATE_DIR")


def test_detects_the_customer_language_from_messages():
    customer = make_customer(language=None, traits={})
    ticket = make_ticket(customer, body="Hola, mi pedido no ha llegado todavía y necesito ayuda, por favor.")
    assert translate_tickets.customer_language(ticket) == "es"


def test_language_trait_wins_over_detection():
    customer = make_customer(language=None, traits={"language": "fr-CA"})
    ticket = make_ticket(customer, body="Hola, mi pedido no ha llegado todavía.")
    assert translate_tickets.customer_language(ticket) == "fr"


@needs_argos
def test_install_tiny_pack_and_translate_a_reply_preview(packs):
    assert translation.installed_packs() == []
    installed = translation.install_pack(str(packs))
    assert [(p["from_code"], p["to_code"]) for p in installed] == [("en", "es")]
    ticket = make_ticket(make_customer(language="es"))
    preview = translate_tickets.preview_reply(ticket.id, "Hello, thanks for writing to us.")
    assert preview == {"text": "Hola, gracias por escribirnos.", "lang": "es", "engine": "argos"}


@needs_argos
def test_missing_pair_says_so_plainly(packs):
    translation.install_pack(str(packs))
    ticket = make_ticket(make_customer(language="de"))
    with pytest.raises(translation.NoTranslation, match="from English to German is not available: no language pack"):
        translate_tickets.preview_reply(ticket.id, "Hello there")


def test_not_a_pack_is_refused(tmp_path, packs):
    bogus = tmp_path / "x.argosmodel"
    bogus.write_text("not a zip")
    with pytest.raises(ValidationError):
        translation.install_pack(str(bogus))


def test_same_language_needs_no_translation():
    ticket = make_ticket(make_customer(language="en"))
    with pytest.raises(ValidationError, match="like the team"):
        translate_tickets.preview_reply(ticket.id, "Hello")


def test_reply_keeps_the_original_beside_the_translation(agent):
    from halo.services.tickets.replies import post_reply
    ticket = make_ticket(make_customer(language="es"))
    sent = post_reply(ticket.id, agent.id, "Hello, thanks for writing to us.", "email",
                      translation=("Hola, gracias por escribirnos.", "es"))
    stored = db.session.get(Message, sent.id)
    assert stored.body_text == "Hola, gracias por escribirnos."
    assert (stored.original_text, stored.language) == ("Hello, thanks for writing to us.", "es")


@needs_argos
def test_customer_message_translation_job_keeps_the_original(app, packs):
    from halo.jobs.translate import translate_message
    translation.install_pack(str(packs))
    app.config["HALO_TEAM_LANGUAGE"] = "es"
    try:
        ticket = make_ticket(make_customer(language=None, traits={}),
                             body="Hello, my order has not arrived yet and I need help.")
        message = db.session.scalar(db.select(Message).where(Message.ticket_id == ticket.id))
        translate_message(message.id)
        stored = db.session.get(Message, message.id)
        assert stored.body_text.startswith("Hello, my order")
        assert (stored.language, stored.translation_lang) == ("en", "es")
        assert stored.translation == "Hola, gracias por escribirnos."
    finally:
        app.config.pop("HALO_TEAM_LANGUAGE")


def test_arrival_detects_language_and_remembers_it_for_the_customer(packs):
    customer = make_customer(language=None, traits={})
    ticket = make_ticket(customer, body="Hola, mi pedido no ha llegado todavía y necesito ayuda, por favor.")
    message = db.session.scalar(db.select(Message).where(Message.ticket_id == ticket.id))
    translate_tickets.customer_message_arrived([message.id])
    db.session.expire_all()
    assert customer.language == "es"  # on file for this and their later messages
    assert translate_tickets.customer_language(ticket) == "es"
    # No pack covers es->en: nothing is translated, and nothing fails.
    assert db.session.get(Message, message.id).translation is None
    # A later message in another language is marked as such.
    later = Message(ticket_id=ticket.id, kind="customer", channel="email",
                    body_text="Thanks, but the parcel is still missing and I need it by Friday please.")
    db.session.add(later)
    db.session.commit()
    translate_tickets.customer_message_arrived([later.id])
    assert db.session.get(Message, later.id).language is None  # a stated language now stands
    assert customer.language == "es"


def test_a_language_settled_after_the_page_rendered_reaches_open_pages(app, packs):
    ticket = make_ticket(make_customer(language=None, traits={}),
                         body="Hola, mi pedido no ha llegado todavía y necesito ayuda, por favor.")
    message = db.session.scalar(db.select(Message).where(Message.ticket_id == ticket.id))
    with realtime.subscribe([f"ticket:{ticket.id}"]) as sub:
        translate_tickets.customer_message_arrived([message.id])
        # The line's Translate button appears: its page is told to re-render that line.
        assert sub.get(timeout=5)[1] == {"type": "message", "ticket_id": ticket.id,
                                         "message_id": message.id}
    with app.test_request_context():  # what the agent socket then sends has the button
        html, _ = fragments.thread_items(ticket.id, None, 0, also=message.id)
    assert "translate-message" in html and f'id="msg-{message.id}"' in html
    english = make_ticket(make_customer(language=None, traits={}),
                          body="Hello, my order has not arrived yet and I need help please.")
    line = db.session.scalar(db.select(Message).where(Message.ticket_id == english.id))
    with realtime.subscribe([f"ticket:{english.id}"]) as sub:  # English for an English team
        translate_tickets.customer_message_arrived([line.id])
        assert sub.get(timeout=0) is None  # nothing changes on its page


def test_arrival_keeps_a_stated_language(packs):
    customer = make_customer(language=None, traits={"language": "pt"})
    ticket = make_ticket(customer, body="Hello, my order has not arrived yet and I need help.")
    message = db.session.scalar(db.select(Message).where(Message.ticket_id == ticket.id))
    translate_tickets.customer_message_arrived([message.id])
    db.session.expire_all()
    # The stated language stands; the detector is not even asked.
    assert db.session.get(Message, message.id).language is None
    assert customer.language is None and customer.traits == {"language": "pt"}


@needs_argos
def test_arrival_translates_when_a_pack_covers_the_pair(app, packs):
    translation.install_pack(str(packs))
    app.config["HALO_TEAM_LANGUAGE"] = "es"
    try:
        ticket = make_ticket(make_customer(language=None, traits={}),
                             body="Hello, my order has not arrived yet and I need help.")
        message = db.session.scalar(db.select(Message).where(Message.ticket_id == ticket.id))
        translate_tickets.customer_message_arrived([message.id])
        stored = db.session.get(Message, message.id)
        assert (stored.language, stored.translation) == ("en", "Hola, gracias por escribirnos.")
    finally:
        app.config.pop("HALO_TEAM_LANGUAGE")


def test_opening_a_ticket_settles_an_unknown_language(app):
    from halo.queue import SyncQueue
    customer = make_customer(language=None, traits={})
    ticket = make_ticket(customer, body="Bonjour, ma commande n'est pas encore arrivée et j'ai besoin d'aide.")
    backend = app.extensions["halo_queue"]
    app.extensions["halo_queue"] = SyncQueue(app)
    try:
        translate_tickets.schedule_ticket_language(ticket.id, customer)
        assert customer.language == "fr"
        ran = app.extensions["halo_queue"].ran
        translate_tickets.schedule_ticket_language(ticket.id, customer)  # on file now: no job
        assert [path for path, _ in ran] == ["halo.jobs.translate.ticket_opened"]
    finally:
        app.extensions["halo_queue"] = backend


def test_a_visitors_first_chat_message_settles_their_language_for_the_rest(monkeypatch):
    detected = []
    detect = translation.detect_language
    monkeypatch.setattr(translation, "detect_language", lambda text: detected.append(text) or detect(text))
    visitor, _ = chat.open_visitor(None)
    first, _ = chat.receive_visitor_message(visitor.id, "c1", "Hola, mi pedido no ha llegado todavía y necesito ayuda, por favor.")
    later, _ = chat.receive_visitor_message(visitor.id, "c2", "¿Pueden decirme dónde está, por favor?")
    db.session.expire_all()
    assert first.language == "es" and later.language is None  # the customer's language answers
    assert db.session.get(Ticket, first.ticket_id).customer.language == "es" and len(detected) == 1
    stated, _ = chat.open_visitor(None)
    chat.identify_visitor(stated.id, "ana@example.com", traits={"language": "pt"})
    message, _ = chat.receive_visitor_message(stated.id, "c1", "Olá, o meu pedido ainda não chegou.")
    assert message.language is None and len(detected) == 1  # a stated language spares the detector


def test_an_ai_translation_passes_the_draft_output_guard(app, ai_server, tmp_path, agent):
    """The reply preview is withheld, as a draft would be, when the model's translation quotes
    an internal note or adds someone else's address; the agent's own address is theirs."""
    from halo.services.tickets import replies
    app.config["HALO_TRANSLATE_DIR"] = str(tmp_path / "no-packs")  # the AI translates
    ticket = make_ticket(make_customer(language="de", email="kurt@kunde.test"))
    note = "Customer is a reseller so waive the restocking fee this once"
    replies.post_reply(ticket.id, agent.id, note, "note")
    body = "Thanks, we will look at your order. Write to orders@acme.test if it changes."

    ai_server.reply = "Danke, wir prüfen Ihre Bestellung. Schreiben Sie an orders@acme.test."
    preview = translate_tickets.preview_reply(ticket.id, body, use_ai=True)
    assert preview["engine"] == "ai" and preview["text"].startswith("Danke")

    ai_server.reply = f"Danke. {note}."
    with pytest.raises(ValidationError, match="withheld because it quotes an internal note"):
        translate_tickets.preview_reply(ticket.id, body, use_ai=True)
    ai_server.reply = "Danke. Schreiben Sie an chef@andere-firma.test."
    with pytest.raises(ValidationError, match="email address that is not this customer's"):
        translate_tickets.preview_reply(ticket.id, body, use_ai=True)


@needs_argos
@pytest.mark.parametrize("splitter", ["stanza", "minisbd"])
def test_packs_with_their_own_sentence_model_translate_without_that_library(packs, tmp_path, monkeypatch, splitter):
    """Packs from the Argos index ship a stanza/ (or minisbd/) sentence model; the extra
    installs neither library (stanza pulls torch), so Halo splits the sentences itself."""
    import sys
    import zipfile
    pack = tmp_path / f"with-{splitter}.argosmodel"
    with zipfile.ZipFile(packs) as src, zipfile.ZipFile(pack, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr(f"translate-en_es-tiny/{splitter}/en/model.bin", b"a sentence model Halo never loads")
    monkeypatch.setitem(sys.modules, splitter, translation._stand_in(splitter))
    translation.install_pack(str(pack))
    text, engine = translation.translate_text("Hello, thanks for writing to us. Your order ships today.", "en", "es")
    # The tiny model answers one fixed sentence per input sentence: two sentences, two answers.
    assert engine == "argos" and text == "Hola, gracias por escribirnos. Hola, gracias por escribirnos."


def test_the_install_hint_names_no_torch():
    assert "torch" not in translation.INSTALL_HINT
    assert "--no-deps -r requirements-translate-nodeps.txt" in translation.INSTALL_HINT


def test_a_stored_email_has_its_language_settled_by_a_job_of_its_own(app, sync_queue):  # noqa: F811
    from halo.services.email import ingest as email_ingest
    raw = make_raw(sender="Lucía Gómez <lucia@cliente.test>", subject="Factura",
                   body="Hola, no puedo descargar mi factura de noviembre desde el portal. ¿Me pueden ayudar?")
    email_ingest.store_email(raw, "smtp")
    # The ingest job stored the message, then queued the detection (it never detects itself).
    assert [path for path, _ in sync_queue.ran] == ["halo.jobs.email.process_inbound",
                                                    "halo.jobs.translate.customer_message_arrived"]
    message = db.session.scalar(db.select(Message).where(Message.kind == "customer"))
    assert db.session.get(Ticket, message.ticket_id).customer.language == "es"
    # The customer's language is on file and not the team's: their next mail is queued too
    # (a pack may translate it); a customer known to write the team's language is not.
    email_ingest.store_email(make_raw(sender="lucia@cliente.test", message_id="<m2@cliente.test>",
                                      subject="Factura", body="Gracias."), "smtp")
    assert [p for p, _ in sync_queue.ran].count("halo.jobs.translate.customer_message_arrived") == 2
    make_customer(email="ben@customer.test", language="en")
    email_ingest.store_email(make_raw(sender="ben@customer.test", message_id="<m3@customer.test>"), "smtp")
    assert [p for p, _ in sync_queue.ran].count("halo.jobs.translate.customer_message_arrived") == 2
