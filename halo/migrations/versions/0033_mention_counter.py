"""mention counter: tickets with an unread mention per teammate and inbox, so the sidebar's
Mentions badge reads a row per inbox, never the teammate's mention rows; an index on a
ticket's mentions (merge, and the counter when a ticket moves or goes); and the ticket's
activity time copied onto its unread mentions, indexed, so the Mentions view reads a page
of them in its order rather than sorting all of them

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
    with op.batch_alter_table('mention') as batch:
        batch.add_column(sa.Column('ticket_activity_at', sa.DateTime(), nullable=True))
    # Read mentions keep NULL: the view lists unread ones only, and a mention is never unread again.
    op.execute("UPDATE mention SET ticket_activity_at = (SELECT ticket.last_activity_at FROM ticket "
               "WHERE ticket.id = mention.ticket_id) WHERE read_at IS NULL")
    # Unread mentions only: PostgreSQL gives an index's order past an equality, not past IS NULL.
    op.create_index('ix_mention_user_unread_activity', 'mention', ['user_id', 'ticket_activity_at', 'ticket_id'],
                    sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))
    op.execute(
        "INSERT INTO mention_counter (user_id, inbox_id, n) "
        "SELECT mention.user_id, COALESCE(ticket.inbox_id, 0), COUNT(DISTINCT mention.ticket_id) "
        "FROM mention JOIN ticket ON ticket.id = mention.ticket_id WHERE mention.read_at IS NULL "
        "GROUP BY mention.user_id, COALESCE(ticket.inbox_id, 0)")


def downgrade():
    op.drop_index('ix_mention_user_unread_activity', table_name='mention')
    with op.batch_alter_table('mention') as batch:
        batch.drop_column('ticket_activity_at')
    op.drop_index('ix_mention_ticket', table_name='mention')
    op.drop_table('mention_counter')
