"""AI assistant

Revision ID: 0004_ai
Revises: 0003_chat
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0004_ai'
down_revision = '0003_chat'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
