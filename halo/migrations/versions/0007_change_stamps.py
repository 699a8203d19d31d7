"""change stamps: cached pages know when what they show has changed

Revision ID: 0007_change_stamps
Revises: 0006_ticket_tools
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_change_stamps'
down_revision = '0006_ticket_tools'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'change_stamp',
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_change_stamp')),
    )
    # A plain ADD COLUMN on both engines (no table rebuild on SQLite); existing tickets
    # start at 0, new ones at random (see Ticket.thread_rev).
    op.add_column('ticket', sa.Column('thread_rev', sa.BigInteger(), server_default='0',
                                      nullable=False))


def downgrade():
    op.drop_column('ticket', 'thread_rev')
    op.drop_table('change_stamp')
