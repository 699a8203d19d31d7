"""search: BRIN indexes on the searched tables' ids (PostgreSQL only)

Search reads a broad word's newest matches through the GIN index for a window of ids
(search._pg_by_gin); a BRIN index on id lets PostgreSQL AND the GIN bitmap with the window's
pages, so only the matches inside it are visited. A few dozen kB each. SQLite searches its
FTS5 index backwards and needs nothing: there this migration does nothing.

Revision ID: 0008_search_brin
Revises: 0007_change_stamps
"""
from alembic import op

revision = '0008_search_brin'
down_revision = '0007_change_stamps'
branch_labels = None
depends_on = None

TABLES = ("ticket", "message", "customer")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        # autosummarize: new rows' page ranges are summarised as they fill, not only at VACUUM
        # (unsummarised ranges are always read, so results are right either way).
        op.execute(f"CREATE INDEX ix_{table}_id_brin ON {table} USING brin (id) "
                   f"WITH (autosummarize = on)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_id_brin")
