"""The one check for where Halo may send a browser next (a sign-in's next, a form's next).

A target is judged as the browser will read it, not as it arrived: the WHATWG URL parser
strips leading and trailing C0 controls and spaces, drops every tab and newline anywhere,
and reads a backslash as a slash in http(s) URLs. So "/\t/evil.example", "/\\evil.example"
and " //evil.example" all name another site, though each starts with one "/".
"""
import re

from werkzeug.exceptions import BadRequest
from werkzeug.urls import iri_to_uri

_EDGES = "".join(chr(c) for c in range(0x21))  # C0 controls and space
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsafeRedirect(BadRequest):
    """A next target that is not a path on this site: a 400 with the reason."""
    description = "That link points away from Halo or is malformed, so it was not followed."


def browser_form(target: str) -> str:
    """target as a browser's URL parser reads it before resolving it (WHATWG URL, basic parse)."""
    return _TAB_NEWLINE.sub("", target.strip(_EDGES)).replace("\\", "/")


def local_path(target: str | None) -> str | None:
    """The path on this site that target names (as a browser reads it), ready for a
    Location header; None if it names another site, has a scheme, or is not a path."""
    if not target:
        return None
    path = browser_form(target)
    if not path.startswith("/") or path.startswith("//") or _CONTROL.search(path):
        return None
    # No scheme and no authority is possible from here ("/x:y" is a path); iri_to_uri
    # percent-encodes what a header cannot carry (spaces, non-ASCII) and keeps the rest.
    return iri_to_uri(path)


def safe_next(target: str | None, default: str) -> str:
    """Where to go next: default when no target was given, the target when it is a path on
    this site, else UnsafeRedirect (400): a crafted link is refused, never followed."""
    if target is None or target == "":
        return default
    path = local_path(target)
    if path is None:
        raise UnsafeRedirect()
    return path
