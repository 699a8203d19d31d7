"""files out: agents attach files to replies and notes; their rows have no inbound email

Revision ID: 0027_files_out
Revises: 0022_csat
"""
import sqlalchemy as sa
from alembic import op

revision = '0027_files_out'
down_revision = '0022_csat'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('email_attachment') as batch:
        batch.alter_column('inbound_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM email_attachment WHERE inbound_id IS NULL")
    with op.batch_alter_table('email_attachment') as batch:
        batch.alter_column('inbound_id', existing_type=sa.Integer(), nullable=False)
