"""HTML allow-list sanitising: nothing active, nothing remote until the agent asks."""
import re

import pytest

from halo.mail.sanitize import allow_remote_images, has_remote_images, rewrite_cid_images, sanitize_html

from .util import parsed


@pytest.fixture(scope="module")
def hostile():
    return parsed("hostile_html.eml").html


@pytest.mark.parametrize("needle", [
    "<script", "alert", "onload", "onerror", "onclick", "javascript:", "<iframe", "frame text",
    "<form", "<input", "<style", "<base", "<meta", "<svg", "<object", "position", "url(",
    "evil.example", ' src="http',
])
def test_hostile_html_loses_active_and_remote_content(hostile, needle):
    assert needle not in hostile.lower()


def test_hostile_html_keeps_harmless_content(hostile):
    assert '<p style="color:blue">Hello</p>' in hostile
    assert "<div>Thanks</div>" in hostile
    assert ('<a href="https://good.example/help" target="_blank" '
            'rel="noopener noreferrer nofollow">help</a>') in hostile


def test_remote_images_are_blocked_then_allowed(hostile):
    assert 'data-remote-src="https://cdn.example/logo.png"' in hostile
    assert has_remote_images(hostile)
    shown = allow_remote_images(hostile)
    assert '<img src="https://cdn.example/logo.png" alt="logo">' in shown
    assert 'src="http://tracker.example/pixel.gif?u=1"' in shown
    assert "data-remote-src" not in shown and not has_remote_images(shown)


def test_sanitize_can_allow_remote_images_directly():
    out = sanitize_html('<img src="https://x.example/a.png">', allow_remote_images=True)
    assert out == '<img src="https://x.example/a.png">'


def test_customer_cannot_smuggle_data_remote_src():
    out = allow_remote_images(sanitize_html('<img data-remote-src="javascript:alert(1)" src="x">'))
    assert "javascript" not in out and "data-remote-src" not in out


@pytest.mark.parametrize("src", ["javascript:alert(1)", "vbscript:x", "data:image/svg+xml;base64,PHN2Zz4=",
                                 "data:text/html;base64,PHNjcmlwdD4=", "/relative.png", "//evil.example/x.png",
                                 "file:///etc/passwd"])
def test_unsafe_image_sources_are_dropped(src):
    assert sanitize_html('<img src="%s">' % src) == "<img>"


def test_embedded_png_data_uri_is_kept():
    uri = "data:image/png;base64,iVBORw0KGgo="
    assert sanitize_html('<img src="%s">' % uri) == '<img src="%s">' % uri


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "/admin/delete",
                                  "//evil.example", "data:text/html,x", "vbscript:x"])
def test_unsafe_links_lose_their_href(href):
    out = sanitize_html('<a href="%s">x</a>' % href)
    assert "href" not in out and ">x</a>" in out


@pytest.mark.parametrize("href", ["https://ok.example/?a=1&amp;b=2", "mailto:help@example.com",
                                  "tel:+15550100", "#section"])
def test_safe_links_keep_href_and_open_safely(href):
    out = sanitize_html('<a href="%s" target="_self" rel="opener">x</a>' % href)
    assert 'href="%s"' % href in out
    assert 'target="_blank"' in out and 'rel="noopener noreferrer nofollow"' in out
    assert "_self" not in out and '"opener"' not in out


def test_cid_hook_mapping_and_callable():
    html = '<img src="cid:a@x"><img src="cid:unknown@x">'
    assert sanitize_html(html, cid_url={"a@x": "/att/1"}.get) == '<img src="/att/1"><img>'
    assert sanitize_html(html, cid_url={"a@x": "/att/1"}) == '<img src="/att/1"><img>'


def test_cid_rewrite_after_sanitising():
    clean = sanitize_html('<p><img src="cid:logo@x" alt="l"></p>')
    assert rewrite_cid_images(clean, lambda cid: "/files/%s?x=1&y=2" % cid) == \
        '<p><img src="/files/logo@x?x=1&amp;y=2" alt="l"></p>'


def test_style_properties_are_filtered():
    out = sanitize_html('<p style="color:red; position:absolute; background-image:url(https://x/y); '
                        'list-style-image:url(https://x/z); font-weight:bold">t</p>')
    assert re.fullmatch(r'<p style="color:red;\s?font-weight:bold">t</p>', out)


def test_comments_and_conditional_comments_are_removed():
    assert sanitize_html("<!--[if mso]><script>x</script><![endif]--><p>ok</p>") == "<p>ok</p>"


def test_empty_input():
    assert sanitize_html("") == "" and sanitize_html("   ") == ""


def test_tables_and_fonts_from_mail_clients_survive():
    html = '<table width="100%" cellpadding="2"><tr><td align="right" bgcolor="#eee"><font color="red">x</font></td></tr></table>'
    out = sanitize_html(html)
    assert 'cellpadding="2"' in out and 'align="right"' in out and '<font color="red">x</font>' in out
