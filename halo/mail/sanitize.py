"""Allow-list sanitising of customer HTML with nh3; remote images stay blocked until asked."""
import html as htmllib
import re

import nh3

TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "center", "cite", "code",
    "col", "colgroup", "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "tt", "u", "ul", "var", "wbr",
}
# Dropped together with their content: code, styling and document metadata are never shown.
DROPPED_WITH_CONTENT = {"script", "style", "title", "head", "template", "noscript", "xml",
                        "object", "embed", "applet", "iframe", "frameset", "svg", "math"}
_CELL = {"align", "valign", "colspan", "rowspan", "width", "height", "bgcolor"}
ATTRIBUTES = {
    "*": {"style", "title", "dir", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "align"},
    "font": {"color", "face", "size"},
    "table": {"width", "cellpadding", "cellspacing", "border", "align", "bgcolor"},
    "td": _CELL, "th": _CELL, "tr": {"align", "valign", "bgcolor"},
    "col": {"span", "width"}, "colgroup": {"span", "width"},
    "ol": {"start", "type"}, "blockquote": {"type"}, "hr": {"width", "size"},
}
# No property here can fetch a URL (background, list-style-image, content, cursor...)
# or lift content out of its box (position) to overlay the agent UI.
STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style",
    "font-weight", "text-align", "text-decoration", "text-indent", "text-transform",
    "line-height", "letter-spacing", "white-space", "vertical-align", "direction",
    "margin", "margin-top", "margin-bottom", "margin-left", "margin-right",
    "padding", "padding-top", "padding-bottom", "padding-left", "padding-right",
    "border", "border-top", "border-bottom", "border-left", "border-right",
    "border-color", "border-style", "border-width", "border-collapse", "width", "height",
    "max-width", "min-width", "display",
}
LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
_SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpe?g|webp);base64,[A-Za-z0-9+/=\s]*$", re.I)
_IMG_TAG = re.compile(r'<img((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*/?>')
_REMOTE_SRC = re.compile(r'\ssrc="(https?://[^"]*)"', re.I)
_CID_SRC = re.compile(r'\ssrc="cid:([^"]*)"', re.I)
_BLOCKED_SRC = re.compile(r'\sdata-remote-src="(https?://[^"]*)"', re.I)


def sanitize_html(html, cid_url=None, allow_remote_images=False):
    """Return allow-listed HTML; remote images blocked unless asked, cid: mapped via `cid_url`."""
    if not html or not html.strip():
        return ""
    cleaned = nh3.clean(
        html, tags=TAGS, clean_content_tags=DROPPED_WITH_CONTENT, attributes=ATTRIBUTES,
        attribute_filter=_attribute_filter(cid_url), strip_comments=True,
        link_rel="noopener noreferrer nofollow", url_relative="pass_through",
        url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
        set_tag_attribute_values={"a": {"target": "_blank"}},
        filter_style_properties=STYLE_PROPERTIES,
    )
    cleaned = cleaned.strip()
    return cleaned if allow_remote_images else block_remote_images(cleaned)


def _attribute_filter(cid_url):
    # Relative URLs pass nh3 (so cid hooks may return app paths) and are vetted here instead.
    def keep(tag, attr, value):
        if attr == "href":
            ok = value.lower().startswith(LINK_SCHEMES) or value.startswith("#")
            return value if ok else None
        if tag == "img" and attr == "src":
            return _image_src(value, cid_url)
        return value
    return keep


def _image_src(value, cid_url):
    # Only three kinds of image may survive: remote (blocked later), embedded, cid: parts.
    low = value.strip().lower()
    if low.startswith(("http://", "https://")):
        return value.strip()
    if low.startswith("data:"):
        return value if _SAFE_DATA_IMAGE.match(value) else None
    if low.startswith("cid:"):
        cid = value.strip()[4:].strip("<> ")
        if cid_url is None:
            return "cid:" + cid
        url = cid_url(cid) if callable(cid_url) else cid_url.get(cid)
        return url or None
    return None


def block_remote_images(clean_html):
    """Move http(s) image URLs of sanitised HTML from src to data-remote-src."""
    def swap(m):
        attrs = _REMOTE_SRC.sub(lambda s: ' data-remote-src="%s"' % s.group(1), m.group(1))
        return "<img%s>" % attrs
    return _IMG_TAG.sub(swap, clean_html)


def allow_remote_images(clean_html):
    """Return the 'images allowed' version of HTML produced by sanitize_html."""
    def swap(m):
        attrs = _BLOCKED_SRC.sub(lambda s: ' src="%s"' % s.group(1), m.group(1))
        return "<img%s>" % attrs
    return _IMG_TAG.sub(swap, clean_html)


def rewrite_cid_images(clean_html, cid_url):
    """Point cid: images of sanitised HTML at app URLs, e.g. once attachments are stored."""
    def url_for(s):
        url = cid_url(htmllib.unescape(s.group(1)))
        return ' src="%s"' % htmllib.escape(url, quote=True) if url else ""
    return _IMG_TAG.sub(lambda m: "<img%s>" % _CID_SRC.sub(url_for, m.group(1)), clean_html)


def has_remote_images(clean_html):
    """True when sanitised HTML holds blocked remote images (to offer 'show images')."""
    return bool(_BLOCKED_SRC.search(clean_html or ""))


def escape_text(text):
    """Render plain text as safe HTML (for messages without an HTML part)."""
    return "<pre>%s</pre>" % htmllib.escape(text or "")
