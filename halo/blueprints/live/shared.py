"""Fragments rendered once per bus event in this process, shared by every socket it reaches.

The bus hands one payload object to every subscriber of a publish (realtime.Bus._dispatch),
so that object names the event: the first socket to handle it renders what it needs, the
other sockets showing the same thing (the same view to the same agent, the Live table)
reuse it. Renders happen after the event's commit, so whichever socket renders first
shows the state the event announced, or a later one whose own event follows.
"""
import threading
from collections import OrderedDict

from halo.i18n import locale_key

SIZE = 512  # events kept: far more than a burst reaching a process's sockets at once


class EventMemo:
    """What was rendered for recent events, by (event, what the fragment depends on)."""

    def __init__(self, size: int = SIZE):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def once(self, payload: dict, key: tuple, render):
        """render() the first time payload reaches key in this process, its result after."""
        slot = (id(payload), locale_key()) + key  # each language renders its own
        with self._lock:
            entry = self._items.get(slot)
        # The entry holds the payload itself, so its id cannot name another event meanwhile.
        if entry is not None and entry[0] is payload:
            return entry[1]
        value = render()
        with self._lock:
            self._items[slot] = (payload, value)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


memo = EventMemo()
