"""report indexes: thread lines by time (the tickets that moved in a report's period) and
tickets by creation (new tickets per day)

Revision ID: 0025_report_indexes
Revises: 0028_notifications
"""
from alembic import op

revision = '0025_report_indexes'
down_revision = '0028_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_message_created_ticket', 'message', ['created_at', 'ticket_id'])
    op.create_index('ix_ticket_created', 'ticket', ['created_at'])


def downgrade():
    op.drop_index('ix_ticket_created', table_name='ticket')
    op.drop_index('ix_message_created_ticket', table_name='message')
