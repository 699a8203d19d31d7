"""tag colours, and the index the inbox's sort by SLA due time reads

Revision ID: 0024_tag_colours
Revises: 0023_contacts
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_tag_colours'
down_revision = '0023_contacts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tag') as batch:
        batch.add_column(sa.Column('colour', sa.String(length=16), nullable=True))
    # (due_at, ticket_id): the sort's order and its keyset cursor, read straight off the index.
    # It replaces the index on due_at alone (every query that used that one can use this).
    op.create_index('ix_ticket_sla_due', 'ticket_sla', ['due_at', 'ticket_id'], unique=False)
    op.drop_index('ix_ticket_sla_due_at', table_name='ticket_sla')


def downgrade():
    op.create_index('ix_ticket_sla_due_at', 'ticket_sla', ['due_at'], unique=False)
    op.drop_index('ix_ticket_sla_due', table_name='ticket_sla')
    with op.batch_alter_table('tag') as batch:
        batch.drop_column('colour')
