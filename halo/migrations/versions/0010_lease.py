"""lease: one runner of the schedule at a time, across processes and hosts

A runner renews its row every few seconds; when it dies the row expires and another
runner takes it over. In the database, not Redis, so the embedded server (no Redis)
and the scaled-out one share the mechanism.

Revision ID: 0010_lease
Revises: 0009_login_sessions
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_lease'
down_revision = '0009_login_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lease',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('holder', sa.String(length=120), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_lease')),
    )


def downgrade():
    op.drop_table('lease')
