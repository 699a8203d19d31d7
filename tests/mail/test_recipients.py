"""Outbound address headers from (name, address) pairs: one mailbox each, folded here."""
from email import policy
from email.parser import BytesParser

import pytest

from halo.mail.recipients import BadAddress, format_address_list, format_mailbox


def _parse(value, header="To"):
    raw = f"{header}: {value}".replace("\n", "\r\n").encode() + b"\r\n\r\nx"
    return BytesParser(policy=policy.default).parsebytes(raw)[header].addresses


@pytest.mark.parametrize("name, shown", [
    ("Doe, John", '"Doe, John" <a@x.test>'),
    ("", "a@x.test"),
    ("Plain Name", "Plain Name <a@x.test>"),
    ('Say "hi" \\ bye', '"Say \\"hi\\" \\\\ bye" <a@x.test>'),
    ("=?utf-8?Q?b=2C_c@evil.test?=", "=?utf-8?b?PT91dGYtOD9RP2I9MkNfY0BldmlsLnRlc3Q/PQ==?= <a@x.test>"),
    ("Jürgen", "=?utf-8?b?SsO8cmdlbg==?= <a@x.test>"),
    ("Line\r\nBcc: v@evil.test", '"Line Bcc: v@evil.test" <a@x.test>'),
])
def test_one_mailbox(name, shown):
    assert format_mailbox(name, "a@x.test") == shown
    [address] = _parse(shown)
    assert address.addr_spec == "a@x.test"


@pytest.mark.parametrize("address", ["", "no-at", "a@b c", "<a@b.test>", "a@b.test, c@d.test", "ü@x.test"])
def test_only_a_mailbox_is_an_address(address):
    with pytest.raises(BadAddress):
        format_mailbox("x", address)


def test_an_internationalised_domain_goes_as_its_a_label():
    assert format_mailbox("", "info@münchen.test") == "info@xn--mnchen-3ya.test"


def test_a_long_list_is_folded_between_mailboxes_and_encoded_words():
    pairs = [("Müller, Jürgen <j@evil.test>; " * 6, "m@x.test"), ("x" * 90, "y@x.test"),
             ("Doe, John", "j@x.test")]
    value = format_address_list(pairs, "Cc")
    assert all(len(line) <= 78 for line in ("Cc: " + value).split("\n"))
    assert [a.addr_spec for a in _parse(value, "Cc")] == ["m@x.test", "y@x.test", "j@x.test"]
