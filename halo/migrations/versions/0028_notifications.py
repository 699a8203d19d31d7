"""notifications: each teammate's switches and digest date; which notifications were mailed

Revision ID: 0028_notifications
Revises: 0027_files_out
"""
import sqlalchemy as sa
from alembic import op

revision = '0028_notifications'
down_revision = '0027_files_out'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('notification_prefs', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('digest_sent_on', sa.Date(), nullable=True))
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('mailed', sa.String(length=8), nullable=True))
        batch.create_index('ix_notification_mailed', ['mailed', 'created_at'])
    # What was written before mail existed is not mailed now.
    op.execute("UPDATE notification SET mailed = 'skip'")


def downgrade():
    with op.batch_alter_table('notification') as batch:
        batch.drop_index('ix_notification_mailed')
        batch.drop_column('mailed')
    with op.batch_alter_table('user') as batch:
        batch.drop_column('digest_sent_on')
        batch.drop_column('notification_prefs')
