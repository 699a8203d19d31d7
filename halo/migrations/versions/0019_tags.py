"""tags: labels on tickets (one name per tag, case-insensitively), set through the API and
recorded as event lines

Revision ID: 0019_tags
Revises: 0018_api_tokens
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_tags'
down_revision = '0018_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tag',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('name_key', sa.String(length=40), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tag')),
        sa.UniqueConstraint('name_key', name=op.f('uq_tag_name_key')),
    )
    op.create_table(
        'ticket_tag',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('tag_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_tag_ticket_id_ticket'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_ticket_tag_tag_id_tag'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ticket_id', 'tag_id', name=op.f('pk_ticket_tag')),
    )
    op.create_index('ix_ticket_tag_tag', 'ticket_tag', ['tag_id', 'ticket_id'], unique=False)


def downgrade():
    op.drop_index('ix_ticket_tag_tag', table_name='ticket_tag')
    op.drop_table('ticket_tag')
    op.drop_table('tag')
