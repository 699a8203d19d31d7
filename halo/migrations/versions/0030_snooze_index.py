"""the index of snoozes by end time carries the assignee and the inbox, so the count of
ended snoozes (the inbox sidebar) is read from the index alone, never from ticket rows

Revision ID: 0030_snooze_index
Revises: 0031_sla_alarms
"""
from alembic import op

revision = '0030_snooze_index'
down_revision = '0031_sla_alarms'
branch_labels = None
depends_on = None


def upgrade():
    # (status, snoozed_until) was a prefix of this one: every query that used it (the
    # sweeper's "what is due", the Snoozed view's count) can use the new one.
    op.create_index('ix_ticket_snooze_due', 'ticket',
                    ['status', 'snoozed_until', 'assignee_id', 'inbox_id'], unique=False)
    op.drop_index('ix_ticket_status_snoozed', table_name='ticket')


def downgrade():
    op.create_index('ix_ticket_status_snoozed', 'ticket', ['status', 'snoozed_until'], unique=False)
    op.drop_index('ix_ticket_snooze_due', table_name='ticket')
