"""parse_email: charsets, headers, MIME structure, bounces, auto-replies, spam, robustness."""
import json
import subprocess
import sys
import tracemalloc
from datetime import datetime, timedelta, timezone

import pytest

from halo.mail.parse import (
    EmailParseError,
    ParsedEmail,
    main,
    parse_email,
    parse_email_file,
    parse_email_files,
)

from .util import FIXTURES, parsed, raw


@pytest.mark.parametrize("name, expected", [
    ("charset_windows1252.eml", "“Café” costs 5 € – naïve."),
    ("charset_ascii_label_8bit.eml", "Grüße aus Köln"),
    ("charset_latin1_label_utf8.eml", "Zürich – Straße"),
    ("charset_iso2022jp.eml", "お世話になっております。ｶﾀｶﾅ"),
    ("charset_gb2312_gbk.eml", "您好，朱镕基和陶喆。"),
    ("charset_utf7.eml", "Hi Mom -☺-! Preis: 10€"),
    ("charset_bogus_utf8.eml", "Новый заказ №42 ✓"),
    ("charset_unknown8bit.eml", "déjà vu"),
    ("charset_cp932.eml", "丸数字①と髙"),
    ("charset_koi8r_qp.eml", "Добрый день!"),
    ("charset_base64_label_refused.eml", "plain words"),
])
def test_body_charsets_decode(name, expected):
    assert parsed(name).text == expected


def test_broken_utf8_keeps_the_good_characters():
    text = parsed("charset_utf8_broken.eml").text
    assert text.startswith("Please refund ét") and text.endswith("caça va")
    assert "\ufffd" in text


@pytest.mark.parametrize("name, subject", [
    ("charset_iso2022jp.eml", "日本語のテスト"),
    ("charset_gb2312_gbk.eml", "朱镕基"),
    ("charset_koi8r_qp.eml", "Привет"),
    ("ew_split_multibyte.eml", "Réclamation n°5 urgente"),
    ("ew_malformed.eml", "Hello worldcafé =?utf-8?B?bad!base64?= two words tail"),
    ("headers_8bit_raw.eml", "Überweisung fällig"),
])
def test_subjects_decode(name, subject):
    assert parsed(name).subject == subject


def test_encoded_display_name_with_comma_is_one_address():
    mail = parsed("ew_from_comma.eml")
    assert (mail.from_address, mail.from_name) == ("juergen@example.de", "Müller, Jürgen")
    assert mail.cc == [{"address": "simple@example.net", "name": ""},
                       {"address": "john.doe@example.com", "name": 'John "Johnny" Doe'}]
    assert mail.reply_to == [{"address": "help@example.de", "name": "Help, Desk"}]


def test_iso2022jp_sender_name():
    assert parsed("charset_iso2022jp.eml").from_name == "山田"


def test_raw_8bit_sender_name():
    mail = parsed("headers_8bit_raw.eml")
    assert (mail.from_address, mail.from_name) == ("jg@example.de", "Jürgen Groß")


def test_display_name_that_looks_like_an_address_is_not_the_sender():
    mail = parsed("address_display_is_address.eml")
    assert mail.from_address == "bob@example.com"
    assert mail.from_name == "alice@example.com"


def test_threading_headers_without_brackets():
    mail = parsed("threading_headers.eml")
    assert mail.message_id == "reply-2@example.com"
    assert mail.in_reply_to == "halo-outbound-1@halo.test"
    assert mail.references == ["root@halo.test", "halo-outbound-1@halo.test"]
    assert mail.date == datetime(2024, 1, 16, 13, 30, tzinfo=timezone.utc)
    assert mail.date.utcoffset() == timedelta(hours=-5)
    assert mail.text == "Follow-up."  # CRLF source, LF text


def test_nested_multipart():
    mail = parsed("nested_multipart.eml", cid_url=lambda cid: "/files/" + cid)
    assert mail.text == "Plain part of the nested message."
    assert '<img src="/files/logo@halo">' in mail.html
    logo, pdf = mail.attachments
    assert (logo.filename, logo.content_type, logo.content_id, logo.inline) == \
        ("image.png", "image/png", "logo@halo", True)  # unnamed: named by its type
    assert logo.payload.startswith(b"\x89PNG") and logo.size == len(logo.payload)
    assert (pdf.filename, pdf.inline, pdf.payload) == ("invoice.pdf", False, b"%PDF-1.4 fake")


def test_attached_message_is_a_file_not_the_body():
    mail = parsed("rfc822_attached.eml")
    assert mail.text == "See the attached message."
    assert [a.filename for a in mail.attachments] == ["Your order n° 7.eml"]
    assert mail.attachments[0].content_type == "message/rfc822"
    assert b"Inner body text" in mail.attachments[0].payload
    assert not mail.is_bounce


def test_inline_cid_image_is_rewritten_by_the_hook():
    mail = parsed("inline_cid_image.eml", cid_url={"shot1@mail.example.com": "/a/9"}.get)
    assert '<img src="/a/9" alt="shot">' in mail.html
    (shot,) = mail.attachments
    assert shot.inline and shot.content_id == "shot1@mail.example.com"


def test_cid_image_without_hook_keeps_cid_reference():
    assert 'src="cid:shot1@mail.example.com"' in parsed("inline_cid_image.eml").html


@pytest.mark.parametrize("name, names", [
    ("attachment_rfc2231.eml", ["été €.pdf", "Grüße aus Köln.txt"]),
    ("attachment_rfc2047_name.eml", ["Devis n°12.xlsx", "passwd"]),
    ("pgp_signed.eml", ["signature.asc"]),
])
def test_attachment_names(name, names):
    assert [a.filename for a in parsed(name).attachments] == names


def test_pgp_signed_body_is_the_signed_text():
    assert parsed("pgp_signed.eml").text == "Signed hello."


def test_dsn_bounce_points_at_the_original_message():
    mail = parsed("bounce_dsn.eml")
    assert mail.is_bounce and mail.auto_reply
    assert mail.bounced_message_id == "halo-outbound-123@halo.test"


def test_bounce_with_rfc822_headers_part():
    mail = parsed("bounce_rfc822_headers.eml")
    assert mail.is_bounce and mail.auto_reply
    assert mail.bounced_message_id == "halo-outbound-456@halo.test"


def test_plain_text_mailer_daemon_bounce():
    mail = parsed("bounce_plain_mailer_daemon.eml")
    assert mail.is_bounce
    assert mail.bounced_message_id == "halo-outbound-789@halo.test"


def test_read_receipt_is_automatic_but_not_a_bounce():
    mail = parsed("read_receipt_mdn.eml")
    assert mail.auto_reply and not mail.is_bounce and mail.bounced_message_id is None


@pytest.mark.parametrize("name, auto", [
    ("auto_submitted_replied.eml", True),
    ("auto_submitted_no.eml", False),
    ("precedence_bulk.eml", True),
    ("precedence_list.eml", True),
    ("list_headers_only.eml", False),
    ("x_autoreply.eml", True),
    ("x_autorespond.eml", True),
    ("exchange_oof_suppress_all.eml", True),
    ("outlook_normal_suppress_dr.eml", False),
    ("reply_gmail.eml", False),
])
def test_auto_reply_detection(name, auto):
    assert parsed(name).auto_reply is auto


def test_auto_submitted_value_is_exposed():
    assert parsed("auto_submitted_replied.eml").auto_submitted == "auto-replied"


def test_list_headers_are_informative():
    mail = parsed("list_headers_only.eml")
    assert mail.list_id == "<users.lists.example.org>"
    assert mail.list_unsubscribe == "<mailto:leave@lists.example.org>"


@pytest.mark.parametrize("name, verdict, score", [
    ("spam_flag_yes.eml", True, 12.3),
    ("spam_status_no.eml", False, -0.1),
    ("spam_score_only.eml", None, 3.4),
    ("reply_gmail.eml", None, None),
])
def test_spam_signals(name, verdict, score):
    mail = parsed(name)
    assert (mail.spam_verdict, mail.spam_score) == (verdict, score)


def test_html_only_message_gets_text_from_html():
    mail = parsed("html_only.eml")
    assert mail.text == "Hello support,\n\nMy printer & scanner are broken."
    assert "Ignore me" not in mail.text and "color" not in mail.text


def test_missing_message_id_and_date():
    mail = parsed("missing_message_id.eml")
    assert mail.message_id is None and mail.date is None
    assert mail.text == "Body without Message-ID."


def test_malformed_headers_still_give_a_result():
    mail = parsed("malformed_headers.eml")
    assert (mail.from_address, mail.from_name) == ("broken@example.com", "Unclosed quote")
    assert mail.to == [] and mail.date is None
    assert mail.message_id == "no-angle-brackets@example.com"
    assert mail.in_reply_to == "parent@halo.test"
    assert mail.references == ["a@halo.test", "b@halo.test", "c@halo.test"]
    assert "Body text survives." in mail.text
    assert "MissingHeaderBodySeparatorDefect" in mail.problems


def test_no_from_header():
    mail = parsed("no_from.eml")
    assert (mail.from_address, mail.from_name) == ("", "")
    assert mail.subject == "Who sent this?"


@pytest.mark.parametrize("name", ["missing_boundary.eml", "multipart_no_boundary_param.eml",
                                  "base64_broken.eml", "empty_body.eml"])
def test_broken_structure_never_crashes(name):
    assert isinstance(parsed(name), ParsedEmail)


def test_missing_boundary_keeps_the_text():
    assert "Text before any boundary" in parsed("missing_boundary.eml").text


def test_garbage_bytes_give_a_clear_error():
    with pytest.raises(EmailParseError):
        parse_email(raw("garbage_bytes.eml"))
    with pytest.raises(EmailParseError):
        parse_email(b"")


def _nested(depth):
    head = "".join('Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i)
                   for i in range(depth))
    tail = "".join("\n--b%d--\n" % i for i in reversed(range(depth)))
    return ("From: a@example.com\nSubject: deep\n" + head +
            "Content-Type: text/plain\n\ndeep text" + tail).encode()


def test_nesting_to_the_limit_is_read():
    mail = parse_email(_nested(40))
    assert mail.text == "deep text" and mail.problems == []


def test_deep_nesting_is_cut_off_not_fatal():
    mail = parse_email(_nested(200))
    assert mail.subject == "deep" and mail.text == ""
    assert mail.problems == ["MIME nesting deeper than 40 levels ignored"]


def test_nesting_too_deep_for_the_parser_is_a_clear_error():
    with pytest.raises(EmailParseError, match="unparseable message"):
        parse_email(_nested(2000))


def test_25_mb_message_parses_within_a_handful_of_copies_of_itself():
    # Memory the parse itself allocates (tracemalloc around the one call), not the process's
    # peak, which an earlier test may have set higher. Its speed: bench/mail_parse_bench.py.
    payload = b"\x00\x01binary" * (25 * 1024 * 1024 // 8)
    from base64 import encodebytes
    data = (b"From: big@example.com\nSubject: big\nMIME-Version: 1.0\n"
            b'Content-Type: multipart/mixed; boundary="x"\n\n--x\nContent-Type: text/plain\n\n'
            b"see file\n--x\nContent-Type: application/octet-stream; name=big.bin\n"
            b"Content-Transfer-Encoding: base64\n\n" + encodebytes(payload) + b"--x--\n")
    tracemalloc.start()
    try:
        mail = parse_email(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert mail.attachments[0].size == len(payload) and mail.text == "see file"
    assert peak < 10 * len(data)  # 7.7 copies of the 35 MB message today


def test_to_json_has_the_cli_keys():
    data = parsed("nested_multipart.eml").to_json("x.eml")
    for key in ("file", "from", "to", "cc", "subject", "message_id", "in_reply_to",
                "references", "text", "reply_text", "html", "attachments", "auto_reply"):
        assert key in data
    assert data["file"] == "x.eml"
    assert data["from"] == {"address": "customer@example.com", "name": "Customer"}
    assert data["attachments"] == ["image.png", "invoice.pdf"]
    json.dumps(data)


def test_parse_email_file_reports_errors_per_file(tmp_path):
    assert parse_email_file(str(tmp_path / "missing.eml"))["error"]
    good = str(FIXTURES / "reply_gmail.eml")
    results = list(parse_email_files([good, str(FIXTURES / "garbage_bytes.eml")]))
    assert results[0]["subject"] == "Re: router" and "error" not in results[0]
    assert results[1]["file"].endswith("garbage_bytes.eml") and results[1]["error"]


def test_cli_prints_one_json_line_per_file(capsys):
    files = [str(FIXTURES / "reply_gmail.eml"), str(FIXTURES / "html_only.eml")]
    assert main(files) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["file"] for line in lines] == files


def test_module_runs_as_a_script():
    out = subprocess.run([sys.executable, "-m", "halo.mail.parse", str(FIXTURES / "x_autoreply.eml")],
                         capture_output=True, check=True, text=True).stdout
    assert json.loads(out)["auto_reply"] is True


def test_auto_replies_are_told_by_headers_not_by_subject():
    oof = b"From: a@example.com\nSubject: Automatic reply: Invoice\n\nAway.\n"
    oof_headers = b"From: a@example.com\nAuto-Submitted: auto-replied\nSubject: Re: Invoice\n\nAway.\n"
    receipt = b"Return-Path: <>\nFrom: a@example.com\nSubject: Hello\n\nHi.\n"
    human = b"From: a@example.com\nSubject: Out of office: printer is broken\n\nHelp.\n"
    assert parse_email(oof_headers).auto_reply and parse_email(receipt).auto_reply
    assert not parse_email(human).auto_reply and not parse_email(oof).auto_reply


def test_mutated_fixtures_never_crash():
    import random
    rng = random.Random(7)
    seeds = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]
    tokens = [b"\n", b"=?", b"?=", b"?b?", b'"', b"<", b";", b"--", b"boundary=", b"\xff",
              b"filename*0*=", b"Content-Type: multipart/mixed; boundary=x\n", b"--x\n"]
    for _ in range(400):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 8)):
            pos = rng.randrange(len(data) + 1)
            if rng.random() < 0.5:
                data[pos:pos] = rng.choice(tokens)
            else:
                del data[pos:pos + rng.randint(1, 40)]
        try:
            assert isinstance(parse_email(bytes(data)), ParsedEmail)
        except EmailParseError:
            pass
