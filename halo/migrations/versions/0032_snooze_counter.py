"""snooze counter: how many snoozed tickets end at each time, per assignee and inbox, so
the sidebar counts ended snoozes from a few rows, never from ticket rows

Revision ID: 0032_snooze_counter
Revises: 0029_user_locale
"""
import sqlalchemy as sa
from alembic import op

revision = '0032_snooze_counter'
down_revision = '0029_user_locale'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'snooze_counter',
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('assignee_key', sa.Integer(), nullable=False),
        sa.Column('inbox_id', sa.Integer(), server_default='0', nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('ends_at', 'assignee_key', 'inbox_id', name=op.f('pk_snooze_counter')),
    )
    op.execute(
        "INSERT INTO snooze_counter (ends_at, assignee_key, inbox_id, n) "
        "SELECT snoozed_until, COALESCE(assignee_id, 0), COALESCE(inbox_id, 0), COUNT(*) "
        "FROM ticket WHERE status = 'snoozed' AND snoozed_until IS NOT NULL "
        "GROUP BY snoozed_until, COALESCE(assignee_id, 0), COALESCE(inbox_id, 0)")


def downgrade():
    op.drop_table('snooze_counter')
