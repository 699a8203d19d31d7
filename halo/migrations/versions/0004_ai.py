"""AI assistant: knowledge articles, directive uses, AI drafts, HaloPilot messages

Revision ID: 0004_ai
Revises: 0003_chat
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_ai'
down_revision = '0003_chat'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'article',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('published', sa.Boolean(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_article_author_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_article')),
    )
    op.create_index('ix_article_published_updated', 'article', ['published', 'updated_at'])
    op.create_table(
        'directive_use',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('directive_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('purpose', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['directive_id'], ['directive.id'], ondelete='CASCADE',
                                name=op.f('fk_directive_use_directive_id_directive')),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='SET NULL',
                                name=op.f('fk_directive_use_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directive_use')),
    )
    op.create_index('ix_directive_use_directive', 'directive_use', ['directive_id', 'created_at'])
    op.create_table(
        'ai_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('requested_by', sa.Integer(), nullable=True),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('sources', sa.JSON(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('offline', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE',
                                name=op.f('fk_ai_draft_ticket_id_ticket')),
        sa.ForeignKeyConstraint(['requested_by'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_ai_draft_requested_by_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_draft')),
    )
    op.create_index('ix_ai_draft_ticket_id', 'ai_draft', ['ticket_id'])
    op.create_table(
        'pilot_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('sources', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('offline', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE',
                                name=op.f('fk_pilot_message_ticket_id_ticket')),
        sa.ForeignKeyConstraint(['author_id'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_pilot_message_author_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pilot_message')),
    )
    op.create_index('ix_pilot_message_ticket', 'pilot_message', ['ticket_id', 'id'])


def downgrade():
    op.drop_index('ix_pilot_message_ticket', table_name='pilot_message')
    op.drop_table('pilot_message')
    op.drop_index('ix_ai_draft_ticket_id', table_name='ai_draft')
    op.drop_table('ai_draft')
    op.drop_index('ix_directive_use_directive', table_name='directive_use')
    op.drop_table('directive_use')
    op.drop_index('ix_article_published_updated', table_name='article')
    op.drop_table('article')
