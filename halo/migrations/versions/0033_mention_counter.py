"""mention counter: tickets with an unread mention per teammate and inbox, so the sidebar's
Mentions badge reads a row per inbox, never the teammate's mention rows; and an index on a
ticket's mentions (merge, and the counter when a ticket moves or goes)

Revision ID: 0033_mention_counter
Revises: 0032_snooze_counter
"""
import sqlalchemy as sa
from alembic import op

revision = '0033_mention_counter'
down_revision = '0032_snooze_counter'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mention_counter',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('inbox_id', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('user_id', 'inbox_id', name=op.f('pk_mention_counter')),
    )
    op.create_index('ix_mention_ticket', 'mention', ['ticket_id', 'user_id'])
    op.execute(
        "INSERT INTO mention_counter (user_id, inbox_id, n) "
        "SELECT mention.user_id, COALESCE(ticket.inbox_id, 0), COUNT(DISTINCT mention.ticket_id) "
        "FROM mention JOIN ticket ON ticket.id = mention.ticket_id WHERE mention.read_at IS NULL "
        "GROUP BY mention.user_id, COALESCE(ticket.inbox_id, 0)")


def downgrade():
    op.drop_index('ix_mention_ticket', table_name='mention')
    op.drop_table('mention_counter')
