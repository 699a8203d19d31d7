"""ticket tools: merge, split, snooze, saved replies, translation

Revision ID: 0006_ticket_tools
Revises: 0005_queue
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0006_ticket_tools'
down_revision = '0005_queue'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
