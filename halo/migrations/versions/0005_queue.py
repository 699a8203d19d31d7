"""working the queue

Revision ID: 0005_queue
Revises: 0004_ai
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0005_queue'
down_revision = '0004_ai'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
