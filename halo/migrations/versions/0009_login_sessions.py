"""login sessions: one row per device's sign-in, so signing out ends it

The session and remember cookies carried only the user id, so a copy of a remember
cookie kept signing in after its owner signed out. Sessions from before this migration
name no sign-in and ask to sign in once more.

Revision ID: 0009_login_sessions
Revises: 0008_search_brin
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_login_sessions'
down_revision = '0008_search_brin'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_session_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_login_session_token_hash')),
    )
    op.create_index(op.f('ix_login_session_user_id'), 'login_session', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_login_session_user_id'), table_name='login_session')
    op.drop_table('login_session')
