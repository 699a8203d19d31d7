"""live chat

Revision ID: 0003_chat
Revises: 0002_email
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0003_chat'
down_revision = '0002_email'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
