"""Readable plain text from HTML, with blockquotes marked "> " so quote stripping still works."""
import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "br", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
          "li", "pre", "hr", "dl", "dt", "dd", "section", "article", "header", "footer",
          "blockquote", "center", "address", "form", "fieldset", "title"}
_SKIP = {"script", "style", "head", "title", "template", "noscript", "xml", "svg", "object"}


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines, self.current, self.quote, self.skip, self.pre = [], [], 0, 0, 0

    def _flush(self):
        text = "".join(self.current)
        if not self.pre:
            text = re.sub(r"[ \t\r\n\f\u200b\xa0]+", " ", text).strip()
        for line in text.split("\n") or [""]:
            self.lines.append("> " * self.quote + line if line or self.quote else line)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self._flush()
            self.quote += tag == "blockquote"
            self.pre += tag == "pre"
            if tag == "li":
                self.current.append("- ")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self._flush()
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            if tag in ("p", "table", "blockquote", "h1", "h2", "h3"):
                self.lines.append("> " * self.quote if self.quote else "")

    def handle_data(self, data):
        if not self.skip:
            self.current.append(data)


def html_to_text(html):
    """Convert HTML to plain text; blockquote content comes out prefixed with '> '."""
    if not html:
        return ""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # HTMLParser is lenient but not bulletproof
        pass
    parser._flush()
    text = "\n".join(line.rstrip() for line in parser.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
