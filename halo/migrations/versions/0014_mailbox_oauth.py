"""mailbox_oauth: IMAP mailboxes that sign in with OAuth 2.0 (XOAUTH2), tokens sealed

Revision ID: 0014_mailbox_oauth
Revises: 0013_widget_identity
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_mailbox_oauth'
down_revision = '0013_widget_identity'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mailbox_oauth',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mailbox_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=20), nullable=False),
        sa.Column('client_id', sa.String(length=255), nullable=False),
        sa.Column('client_secret', sa.Text(), nullable=False),
        sa.Column('tenant', sa.String(length=100), nullable=False),
        sa.Column('authorize_url', sa.String(length=500), nullable=False),
        sa.Column('token_url', sa.String(length=500), nullable=False),
        sa.Column('scope', sa.String(length=500), nullable=False),
        sa.Column('refresh_token', sa.Text(), nullable=True),
        sa.Column('access_token', sa.Text(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('signed_in_at', sa.DateTime(), nullable=True),
        sa.Column('state_hash', sa.String(length=64), nullable=True),
        sa.Column('code_verifier', sa.Text(), nullable=True),
        sa.Column('redirect_uri', sa.String(length=500), nullable=True),
        sa.Column('started_by', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['mailbox_id'], ['mailbox.id'], name=op.f('fk_mailbox_oauth_mailbox_id_mailbox'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['started_by'], ['user.id'], name=op.f('fk_mailbox_oauth_started_by_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox_oauth')),
        sa.UniqueConstraint('mailbox_id', name=op.f('uq_mailbox_oauth_mailbox_id')),
    )
    op.create_index(op.f('ix_mailbox_oauth_state_hash'), 'mailbox_oauth', ['state_hash'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_mailbox_oauth_state_hash'), table_name='mailbox_oauth')
    op.drop_table('mailbox_oauth')
