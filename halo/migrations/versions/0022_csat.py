"""csat: one satisfaction survey per ticket (offered on resolve, answered by email link or
in the chat widget)

Revision ID: 0022_csat
Revises: 0021_api_channels
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_csat'
down_revision = '0021_api_channels'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'csat_survey',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('resolve_event_id', sa.Integer(), nullable=True),
        sa.Column('offered_at', sa.DateTime(), nullable=False),
        sa.Column('email_state', sa.String(length=10), nullable=True),
        sa.Column('email_attempts', sa.Integer(), nullable=False),
        sa.Column('email_due_at', sa.DateTime(), nullable=True),
        sa.Column('email_sent_at', sa.DateTime(), nullable=True),
        sa.Column('email_error', sa.Text(), nullable=True),
        sa.Column('rating', sa.String(length=5), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('rated_at', sa.DateTime(), nullable=True),
        sa.Column('rated_via', sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_csat_survey_ticket_id_ticket'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_csat_survey')),
        sa.UniqueConstraint('ticket_id', name=op.f('uq_csat_survey_ticket_id')),
    )
    op.create_index('ix_csat_survey_rated_at', 'csat_survey', ['rated_at'])
    op.create_index('ix_csat_survey_offered_at', 'csat_survey', ['offered_at'])


def downgrade():
    op.drop_index('ix_csat_survey_offered_at', table_name='csat_survey')
    op.drop_index('ix_csat_survey_rated_at', table_name='csat_survey')
    op.drop_table('csat_survey')
