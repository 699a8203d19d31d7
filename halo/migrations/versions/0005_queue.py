"""working the queue: segments and full-text search

Revision ID: 0005_queue
Revises: 0004_ai

Search indexes are dialect-specific: SQLite gets FTS5 external-content tables kept in
step by triggers (the text is stored once, in the real tables); PostgreSQL gets stored
tsvector columns with GIN indexes. halo/services/search.py queries whichever exists.
"""
import sqlalchemy as sa
from alembic import op

from halo.models import search_index
from halo.models.search_index import FTS

revision = '0005_queue'
down_revision = '0004_ai'
branch_labels = None
depends_on = None

# table -> the text PostgreSQL indexes
PG_TEXT = {
    "message": "coalesce(body_text, '')",
    "ticket": "coalesce(subject, '')",
    "customer": "coalesce(name, '') || ' ' || coalesce(email, '')",
}


def upgrade():
    op.create_table(
        'segment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('pinned', sa.Boolean(), nullable=False),
        sa.Column('view', sa.String(length=20), nullable=False),
        sa.Column('query', sa.String(length=2000), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_segment_owner_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_segment')),
    )
    op.create_index('ix_segment_owner_shared', 'segment', ['owner_id', 'shared'])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in FTS:
            _sqlite_fts(table)
    elif dialect == "postgresql":
        for table, expr in PG_TEXT.items():
            op.execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
                       f"GENERATED ALWAYS AS (to_tsvector('simple', {expr})) STORED")
            op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_vector)")


def _sqlite_fts(table):
    """An FTS5 index over table's text, with the triggers that keep it in step."""
    fts = FTS[table][0]
    op.execute(search_index.table_sql(table))
    for sql in search_index.trigger_sql(table).values():
        op.execute(sql)
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for fts, _cols in FTS.values():
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    elif dialect == "postgresql":
        for table in PG_TEXT:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    op.drop_index('ix_segment_owner_shared', table_name='segment')
    op.drop_table('segment')
