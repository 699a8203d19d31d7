"""What a message says about its own charsets, for decoding its raw 8-bit headers."""
import re
from functools import cached_property

MAX_PARTS = 50  # enough to see every charset a real message declares


class Hints:
    """The charsets a message declares and its raw 8-bit header bytes (the detector's
    sample), both worked out only when some header really holds 8-bit bytes."""

    def __init__(self, msg):
        self._msg = msg

    def _parts(self):
        try:
            for i, part in enumerate(self._msg.walk()):
                if i >= MAX_PARTS:
                    return
                yield part
        except Exception:  # a broken tree still lets the headers decode
            return

    @cached_property
    def declared(self) -> list[str]:
        """Charset labels of the message's parts, in order, without repeats."""
        labels = []
        for part in self._parts():
            try:
                label = part.get_param("charset")
            except Exception:
                continue
            if isinstance(label, tuple):
                label = label[2]
            if isinstance(label, str) and label.strip() and label.lower() not in labels:
                labels.append(label.lower())
        return labels

    @cached_property
    def sample(self) -> bytes:
        """Every raw 8-bit header value of the message, joined: more for the detector to read."""
        chunks = []
        for part in self._parts():
            for _, value in part.raw_items():
                raw = str(value).encode("ascii", "surrogateescape")
                if re.search(rb"[\x80-\xff]", raw):
                    chunks.append(raw)
        return b" ".join(chunks)
