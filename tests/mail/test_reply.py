"""Visible reply vs quoted history and signatures."""
import pytest

from halo.mail.reply import split_reply, visible_reply

from .util import parsed

FUSCE = "Please check order 4711 again.\nIt still has not arrived."


@pytest.mark.parametrize("name, reply, hidden", [
    ("reply_gmail.eml", "Thanks, that fixed it.", "Please restart the router."),
    ("reply_outlook_original.eml", "Yes, please cancel the order.", "Do you want to cancel?"),
    ("reply_outlook_from_sent.eml", "The invoice number is 4711.", "Which invoice?"),
    ("reply_apple_iphone.eml", "Photo attached.", "Can you send a photo?"),
    ("reply_french.eml", "Bonjour, le problème persiste.", "Pouvez-vous redémarrer ?"),
    ("reply_german.eml", "Hallo, danke für die schnelle Hilfe.", "Bitte starten Sie neu."),
    ("reply_german_outlook.eml", "Die Rechnung ist bezahlt.", "Bitte bezahlen."),
    ("reply_spanish.eml", "Gracias, ya funciona.", "Reinicie el equipo."),
    ("reply_signature_dashes.eml", "My account is locked.", "Jane Roe"),
    ("html_only_gmail_reply.eml", "It works now, thanks!", "Please restart the printer."),
])
def test_visible_reply_of_fixtures(name, reply, hidden):
    mail = parsed(name)
    assert mail.reply_text == reply
    assert hidden in mail.text  # the full text is kept
    assert hidden in mail.quoted_text


def test_outlook_reply_drops_the_regards_block():
    assert "Tom Baker" not in parsed("reply_outlook_original.eml").reply_text


def test_inline_answers_stay_visible():
    reply = parsed("reply_inline_answers.eml").reply_text
    assert "Firefox 121." in reply and "Yes, twice." in reply


def test_forward_keeps_the_intro_only():
    mail = parsed("reply_forwarded_keeps_intro.eml")
    assert mail.reply_text == "Please look at the customer's complaint below."
    assert "Everything is broken." in mail.text


@pytest.mark.parametrize("header", [
    "On Mon, Jan 15, 2024 at 10:00 AM Jane <jane@example.com> wrote:",
    "On 15 Jan 2024, at 10:00, Jane <jane@example.com> wrote:",
    "Le 15 janv. 2024 à 10:00, Jeanne <j@example.fr> a écrit :",
    "Am 15.01.2024 um 10:00 schrieb Hans <h@example.de>:",
    "El lun, 15 ene 2024 a las 10:00, Ana (<a@example.es>) escribió:",
    "Il giorno lun 15 gen 2024 alle ore 10:00 Gino <g@example.it> ha scritto:",
    "Em seg., 15 de jan. de 2024 às 10:00, Ana <a@example.pt> escreveu:",
    "Op ma 15 jan. 2024 om 10:00 schreef Piet <p@example.nl>:",
    "man. 15. jan. 2024 kl. 10:00 skrev Ola <o@example.no>:",
    "2024-01-15 10:00 GMT+01:00 Jane <jane@example.com>:",
    "-----Original Message-----",
    "-------- Ursprüngliche Nachricht --------",
    "-----Message d'origine-----",
    "---- On Mon, 15 Jan 2024 10:00:00 +0100 jane@example.com wrote ----",
])
def test_quote_headers_cut_the_history(header):
    text = FUSCE + "\n\n" + header + "\nOld message body.\n"
    reply, quoted = split_reply(text)
    assert reply == FUSCE
    assert quoted.startswith(header.strip()) and "Old message body." in quoted


def test_gmail_attribution_wrapped_over_lines():
    text = FUSCE + "\n\nOn Mon, Jan 15, 2024 at 10:00 AM Jane Doe <\njane@example.com> wrote:\n\n> old\n"
    assert visible_reply(text) == FUSCE


def test_outlook_header_block_in_other_languages():
    text = FUSCE + "\n\nDe : Support <s@example.fr>\nEnvoyé : lundi 15 janvier 2024 10:00\nÀ : moi\nObjet : test\n\nold"
    assert visible_reply(text) == FUSCE


def test_bold_outlook_block_with_rule_above():
    text = FUSCE + "\n\n ------------------------------\n\n*From:* A [mailto:a@x.com]\n*Sent:* Monday\n*To:* b@x.com\n\nold"
    assert visible_reply(text) == FUSCE


@pytest.mark.parametrize("signature", [
    "-- \nJohn\nACME", "--\nJohn", "Sent from my iPhone", "Sent from my Galaxy S21 Ultra",
    "Envoyé de mon iPad", "Von meinem iPhone gesendet", "Get Outlook for Android",
    "Sent from Mail for Windows", "Kind regards,\nJohn Smith\nACME Corp",
    "_______________________________________________\nusers mailing list\nusers@lists.example.org",
])
def test_signatures_are_hidden(signature):
    assert visible_reply(FUSCE + "\n\n" + signature + "\n") == FUSCE


def test_mobile_signature_cuts_unquoted_history_below_it():
    text = FUSCE + "\n\nSent from my Wiko phone\n\nThe agent's earlier answer, unquoted.\n"
    assert visible_reply(text) == FUSCE


@pytest.mark.parametrize("text", [
    "On the other hand, we should test.\nOn average this works.\n\nOn a separate note, thanks.",
    "Sent from my desk, is much easier than my phone.",
    "The notification was sent from my iPhone app to all users.",
    "Read https://example.com/on-date-someone-wrote-about-parsing please.\nThanks",
    "We need it with regards to the payment system.\nAs regards the timeline, Friday.",
    "Our data comes From: our database, not From: external sources.",
    "Dates in my text:\n2024-01-15 14:30:25\n15.01.2024 14:30\nJan 15, 2024 at 14:30",
    "Points\n----\n1. fast\n----\nEnd.",
    "Cheers 🎉\nSarah\n\n—————\nSarah Johnson",
])
def test_ordinary_text_is_not_mistaken_for_quotes(text):
    assert visible_reply(text) == text


def test_quoted_lines_below_the_reply_are_hidden():
    assert visible_reply("Agreed.\n\n> earlier text\n> more") == "Agreed."


def test_quote_without_header_answered_inline_is_kept():
    text = "My answers:\n\n> question one\n\nanswer one\n\n> question two\n\nanswer two"
    assert visible_reply(text) == text


def test_regards_followed_by_a_long_paragraph_is_not_a_signature():
    long_para = "\n".join(["This paragraph continues the actual message with details."] * 8)
    text = "Hello.\n\nRegards,\n" + long_para
    assert visible_reply(text) == text


def test_empty_and_crlf_input():
    assert split_reply("") == ("", "")
    assert visible_reply("Hi\r\n\r\n-- \r\nSig") == "Hi"


def test_pathological_input_is_read_whole():
    # How long it takes is bench/mail_parse_bench.py's business; a runaway pattern would
    # meet the per-test timeout. Quotes at the very top with no header are the message.
    text = ("> " * 50 + "x\n") * 2000 + "On " * 5000 + "\n" + ("a" * 200_000)
    assert split_reply(text) == (text, "")


@pytest.mark.parametrize("text, expected", [
    ("Hi\r\nthere\r\n\r\n-- \r\nSig", ("Hi\nthere", "-- \nSig")),  # CRLF
    ("Hi\rthere\r\r-- \rSig", ("Hi\nthere", "-- \nSig")),  # bare CR
    ("  Hi there\n", ("  Hi there", "")),  # only newlines are trimmed
    ("Hi\n-- ", ("Hi", "-- ")),
    ("Xbox is broken\n\n-- \nXavier", ("Xbox is broken", "-- \nXavier")),
    ("Reply\n  > old text", ("Reply", "  > old text")),  # an indented quote is a quote
    ("Reply\n> q\n-- \nSig", ("Reply", "> q\n-- \nSig")),  # the signature hid a quote
])
def test_split_reply_edges(text, expected):
    assert split_reply(text) == expected


def test_a_quote_header_at_the_very_top_keeps_everything():
    text = "On Mon, 1 Jan 2024, Ann <ann@example.com> wrote:\nHello there"
    assert split_reply(text) == (text, "")


def test_the_history_starts_at_a_header_even_after_an_inline_quote():
    text = ("Answer\n> a quoted question\nMore\n\n"
            "On Mon, 1 Jan 2024 at 10:00, Ann <ann@example.com> wrote:\n> old")
    assert visible_reply(text) == "Answer\n> a quoted question\nMore"


def test_a_valediction_ends_the_message_only_before_a_short_name_card():
    long_line = "This line of the actual message goes on well past eighty characters, as real ones do."
    assert visible_reply(long_line + "\nRegards,\nAnn") == long_line
    card = "\n".join(f"Line {i}" for i in range(7))
    text = "Hi\nRegards,\n" + card
    assert visible_reply(text) == text  # seven lines after "Regards," are more message
    assert visible_reply("Hi\nRegards,\n" + "\n".join(f"Line {i}" for i in range(6))) == "Hi"


ANN = "On Mon, 1 Jan 2024 at 10:00, Ann <ann@example.com> wrote:"


@pytest.mark.parametrize("text, expected", [
    # Answers written between the quoted lines: all of it is the message.
    ("Thanks, see below.\n\n" + ANN + "\n> Is it shipped?\nYes, yesterday.\n> And the invoice?\nAttached.",
     ("Thanks, see below.\n\n" + ANN + "\n> Is it shipped?\nYes, yesterday.\n> And the invoice?\nAttached.", "")),
    # Only a signature after the quote: history, not an inline answer.
    ("Thanks!\n\n" + ANN + "\n> Is it shipped?\n\n-- \nAnn",
     ("Thanks!", ANN + "\n> Is it shipped?\n\n-- \nAnn")),
    # A bare "X wrote:" is an attribution when X has an address or a date in it, not otherwise.
    ("Sure thing.\n\nann@example.com wrote:\n> old text", ("Sure thing.", "ann@example.com wrote:\n> old text")),
    ("Sure thing.\n\n2024-01-01 Ann wrote:\n> old text", ("Sure thing.", "2024-01-01 Ann wrote:\n> old text")),
    ("Sure thing.\n\nAnn wrote:\n> old text", ("Sure thing.\n\nAnn wrote:", "> old text")),
    # Outlook's header block, with one header line after From: or several.
    ("Hello\n\nFrom: Ann <ann@example.com>\nSubject: x\n\nold", ("Hello", "From: Ann <ann@example.com>\nSubject: x\n\nold")),
])
def test_where_the_history_starts(text, expected):
    assert split_reply(text) == expected
