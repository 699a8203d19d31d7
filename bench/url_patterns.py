"""CPU of the composer's ten links on tickets each seen for the first time (templates' url_for).

    python bench/url_patterns.py [TREE]   # TREE: a checkout to import halo from (default: this one)

Each of 2,000 tickets asks for the links a note's answer and a ticket page's composer build
(four tabs, each a page link and a fragment link, and the form's action twice); best of five.
"""
import os
import sys
import time

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1
                else os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from halo import create_app, web

MODES = ("chat", "email", "note", "training")
TICKETS = 2000


def main() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "bench"})
    best = float("inf")
    with app.test_request_context("/tickets/1"):
        for _ in range(5):
            web._URLS.clear()
            started = time.process_time()
            for ticket_id in range(1, TICKETS + 1):
                for mode in MODES:
                    web.url_for_cached("tickets.show", ticket_id=ticket_id, compose=mode)
                    web.url_for_cached("tickets.compose", ticket_id=ticket_id, mode=mode)
                web.url_for_cached("tickets.post_message", ticket_id=ticket_id)
                web.url_for_cached("tickets.post_message", ticket_id=ticket_id)
            best = min(best, (time.process_time() - started) / TICKETS * 1e6)
    print(f"{web.__file__}: {best:.1f} us for a composer's 10 links on a ticket first seen")


if __name__ == "__main__":
    main()
