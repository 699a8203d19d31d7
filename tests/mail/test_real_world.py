"""Issue 12's classes of real-world mail, one fixture each (Outlook, Lotus Notes, old
Japanese and Chinese mailers, mobile clients, mailing-list shapes), read by the parser
and printed by `flask halo parse-email` exactly as the sender wrote them."""
import json

import pytest

from halo.mail.detect import detect
from halo.mail.jis import decode_iso2022jp
from halo.mail.neutral import neutralise
from halo.mail.parse import parse_email
from halo.mail.repair import lenient_base64, repair_headers

from .util import FIXTURES, parsed


# 1. Finding the sender
@pytest.mark.parametrize("name, address, display, header", [
    ("sender_lotus_ew_comma.eml", "hans.buerling@example.de", "Bürling, Hans", "from"),
    ("sender_two_from_headers.eml", "ana.perez@example.es", "Ana Pérez", "from"),
    ("sender_from_list_garbage_first.eml", "ana.perez@example.es", "Ana Pérez", "from"),
    ("sender_from_empty_reply_to.eml", "kunde@example.at", "Webshop Kunde", "reply-to"),
    ("sender_only_sender_header.eml", "scanner3@example.org", "Scanner Floor 3", "sender"),
    ("sender_comment_not_name.eml", "john.smith@example.com", "", "from"),
    ("sender_none_at_all.eml", "", "", ""),
])
def test_the_sender_is_the_first_valid_mailbox(name, address, display, header):
    mail = parsed(name)
    assert (mail.from_address, mail.from_name, mail.sender_header) == (address, display, header)


def test_an_encoded_comma_never_splits_an_address_list():
    mail = parse_email(b"From: a@x.test\nTo: =?iso-8859-1?Q?B=FCrling,_Hans?= <h@x.de>, "
                       b"=?utf-8?Q?Doe,_Jane?= <j@x.de>\n\nhi\n")
    assert mail.to == [{"address": "h@x.de", "name": "Bürling, Hans"},
                       {"address": "j@x.de", "name": "Doe, Jane"}]


def test_comments_are_not_part_of_a_name():
    assert parsed("sender_comment_not_name.eml").cc == [{"address": "mary@example.com", "name": "Mary Jones"}]
    mail = parse_email(b'From: "Smith (Sales)" <s@x.test>\n\nquoted, so not a comment\n')
    assert mail.from_name == "Smith (Sales)"


# 2. Raw 8-bit headers and legacy charsets
def test_gbk_bytes_under_a_gb2312_label():
    mail = parsed("gbk_raw_headers_gb2312_label.eml")
    assert (mail.from_name, mail.subject) == ("陶喆", "关于朱镕基订单的问题")
    assert mail.text == "您好，朱镕基的订单还没有发货。\n谢谢！"
    assert [a.filename for a in mail.attachments] == ["订单镕.xls"]


def test_iso2022jp_with_cp932_extensions():
    mail = parsed("iso2022jp_cp932_extensions.eml")
    assert mail.subject == "①㈱より見積書～髙橋様" and mail.from_name == "山田 太郎"
    assert "①見積書と②請求書" in mail.text and "㈱サンプル" in mail.text
    assert mail.text.endswith("山田～\nｶﾀｶﾅ") and "\ufffd" not in mail.text


def test_iso2022jp_with_jis_x_0213():
    mail = parsed("iso2022jp_jisx0213.eml")
    assert mail.subject == mail.text == "\U0002000bあ鷗外という外字"


def test_raw_iso2022jp_headers_of_an_old_mailer():
    mail = parsed("iso2022jp_raw_subject.eml")
    assert (mail.subject, mail.from_name) == ("お問い合わせ（至急）", "佐藤")


def test_shift_jis_file_names_raw_and_rfc2231():
    names = [a.filename for a in parsed("shift_jis_filenames.eml").attachments]
    assert names == ["見積書①.pdf", "請求書（㈱サンプル）.xlsx"]


def test_undeclared_raw_headers_go_to_the_detector():
    mail = parsed("koi8r_raw_headers_undeclared.eml")
    assert (mail.from_name, mail.subject) == ("Иван Петров", "Прошу вернуть деньги за заказ")


@pytest.mark.parametrize("text, codec", [
    ("見積書.pdf", "shift_jis"), ("お見積り依頼の件", "cp932"), ("请款单.pdf", "gb18030"),
    ("Счёт на оплату", "cp1251"), ("Счёт на оплату", "koi8_r"), ("Ελληνικά", "cp1253"),
    ("Łódź zamówienie", "cp1250"), ("déjà vu", "latin-1"), ("請求書の送付について", "euc_jp"),
    ("환불 요청", "cp949"),
])
def test_the_detector_reads_short_legacy_strings(text, codec):
    assert detect(text.encode(codec)) == text


def test_iso2022jp_decoder_keeps_line_breaks_and_ascii():
    data = b"\x1b$B$3$s\x1b(B abc\n\x1b$B$K$A$O\x1b(B"
    assert decode_iso2022jp(data) == "こん abc\nにちは"


# 3. Broken header blocks
@pytest.mark.parametrize("name, subject, problem", [
    ("headers_fold_without_whitespace.eml",
     "Richiesta di rimborso per l'ordine 9981 arrivato danneggiato e incompleto", "folded"),
    ("headers_blank_first_line.eml", "Blank line first", "stray"),
    ("headers_junk_first_line.eml", "Junk line first", "stray"),
    ("headers_mbox_from_line.eml", "Exported from mbox", None),
])
def test_broken_header_blocks_are_recovered(name, subject, problem):
    mail = parsed(name)
    assert mail.subject == subject and mail.from_address
    assert mail.message_id and mail.date is not None and mail.text
    assert any(problem in p for p in mail.problems) if problem else not mail.problems


def test_a_body_without_its_blank_line_is_not_taken_for_headers():
    raw = b"From: a@x.test\nSubject: s\nHello, this starts the body\nand goes on.\n"
    assert repair_headers(raw) == (raw, [])
    assert "Hello, this starts the body" in parse_email(raw).text


# 4. Parts and attachments
def test_no_doubled_extension():
    assert [a.filename for a in parsed("outlook_doubled_extension.eml").attachments] == ["image000.jpg"]


def test_unnamed_inline_images_are_named_by_type_and_numbered():
    files = parsed("iphone_unnamed_inline_images.eml").attachments
    assert [(a.filename, a.inline) for a in files] == [
        ("image.png", True), ("image-2.png", True), ("image-3.jpg", True)]


def test_attached_messages_are_named_from_their_subject():
    files = parsed("thunderbird_forward_as_attachment.eml").attachments
    assert [a.filename for a in files] == ["Invoice 2026-03 for order 77.eml", "Reminder.eml"]
    assert b"Please pay invoice 2026/03." in files[0].payload


def test_every_html_part_that_is_not_the_body_is_kept():
    mail = parsed("html_parts_beyond_the_body.eml")
    assert "Error 500" not in mail.html and "weekly report is below" in mail.html
    files = mail.attachments
    assert [(a.filename, a.content_type) for a in files] == [
        ("attachment.html", "text/html"), ("attachment-2.html", "text/html")]
    assert b"Error 500" in files[0].payload and b"42 orders" in files[1].payload


def test_apple_mail_html_split_around_an_image_is_one_body():
    mail = parsed("apple_mail_html_around_image.eml")
    assert "Before the picture." in mail.html and "After the picture." in mail.html
    assert [a.filename for a in mail.attachments] == ["shelf.png"]


def test_undecodable_base64_shows_what_decoded_with_a_warning():
    mail = parsed("base64_damaged_parts.eml")
    assert mail.text.startswith("Here is the signed contract, p")
    (pdf,) = mail.attachments
    assert pdf.damaged and pdf.payload.startswith(b"%PDF-1.7\nxxxx")
    assert len(mail.warnings) == 2 and "contract.pdf" in mail.warnings[1]


def test_lenient_base64_decodes_each_lines_valid_prefix():
    assert lenient_base64(b"SGVsbG8g\nd29ybGQ!!junk\n") == (b"Hello world", False)
    assert lenient_base64(b"SGVsbG8=\n") == (b"Hello", True)


def _many_parts(n):
    parts = "".join("--b\nContent-Type: application/octet-stream; name=\"f%d.bin\"\n\nx\n" % i
                    for i in range(n))
    return ("From: a@x.test\nSubject: many\nContent-Type: multipart/mixed; boundary=b\n\n"
            "--b\nContent-Type: text/plain\n\nSee the files.\n" + parts + "--b--\n").encode()


def test_thousands_of_parts_are_capped_and_counted():
    mail = parse_email(_many_parts(10_000))
    assert len(mail.attachments) == 100 and mail.omitted_parts == 9_900
    assert mail.attachments[-1].filename == "f99.bin" and mail.attachments[-1].index == 99
    assert mail.text == "See the files."
    assert len(parse_email(_many_parts(30), max_files=10).attachments) == 10


# 5. Visible reply: placeholders of inline images
def test_gmail_image_placeholders_go_where_the_image_is_inline():
    mail = parsed("gmail_inline_image_placeholder.eml")
    assert mail.text == ("I get this error:\n\nAnd this one too.\n"
                         "The log is attached [image: not-attached.png].")


def test_outlook_cid_placeholders_go_too():
    assert parsed("outlook_cid_placeholder.eml").text == "Our logo shows like this:\n\nKim"


# 6. Auto-replies are told by headers
def test_a_person_writing_out_of_office_is_not_an_auto_reply():
    assert not parsed("human_out_of_office_subject.eml").auto_reply
    assert parsed("exchange_oof_by_headers.eml").auto_reply


# 10. Bidi and zero-width controls
def test_bidi_and_zero_width_controls_are_neutralised():
    mail = parsed("bidi_filename_and_name.eml")
    assert mail.from_name == "PayPal Billing troppus"
    assert [a.filename for a in mail.attachments] == ["invoice_fdp.exe"]


@pytest.mark.parametrize("given, shown", [
    ("inv\u202eoice_fdp.exe", "invoice_fdp.exe"), ("a\u200bb\u2060c\ufeff", "abc"),
    ("\u2066x\u2069 \u200ey", "x y"), ("می\u200cخواهم", "می\u200cخواهم"),
    ("👩\u200d💻", "👩\u200d💻"), ("\u200dlead", "lead"),
])
def test_neutralise(given, shown):
    assert neutralise(given) == shown


NEW_FIXTURES = sorted(p.name for p in FIXTURES.glob("*.eml") if p.name.split("_")[0] in {
    "sender", "gbk", "iso2022jp", "shift", "koi8r", "headers", "outlook", "iphone", "thunderbird",
    "html", "apple", "base64", "gmail", "human", "exchange", "bidi"})


def test_every_class_goes_through_the_cli(app):
    runner = app.test_cli_runner()
    paths = [str(FIXTURES / name) for name in NEW_FIXTURES]
    result = runner.invoke(args=["halo", "parse-email", *paths])
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["file"] for line in lines] == paths and not any("error" in line for line in lines)
    by_name = {line["file"].rsplit("/", 1)[1]: line for line in lines}
    assert by_name["iso2022jp_cp932_extensions.eml"]["subject"] == "①㈱より見積書～髙橋様"
    assert by_name["shift_jis_filenames.eml"]["attachments"] == ["見積書①.pdf", "請求書（㈱サンプル）.xlsx"]
    assert by_name["base64_damaged_parts.eml"]["warnings"]
    assert len(NEW_FIXTURES) >= 30
