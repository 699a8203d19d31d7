"""What every SQLite connection is set to (halo/models/__init__.py::_sqlite_pragmas).

No mmap: a mapping is per connection, and the pages each one touched counted again in
the worker's RSS (bench/README.md, "Worker memory to 100 MiB"); the page cache of a
connection is bounded instead.
"""
import pytest
from sqlalchemy import create_engine, text

import halo.models  # noqa: F401  (registers the connect listener)

pytestmark = pytest.mark.sqlite_only


def test_a_connection_maps_nothing_and_caches_at_most_4_mb(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/p.db")
    try:
        with engine.connect() as conn:
            pragma = lambda name: conn.execute(text(f"PRAGMA {name}")).scalar()  # noqa: E731
            assert pragma("mmap_size") == 0
            assert pragma("cache_size") == -4000
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
    finally:
        engine.dispose()
