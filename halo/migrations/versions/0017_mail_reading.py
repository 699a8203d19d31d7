"""mail reading (issue 12): who is writing, a reused Message-ID, files left in the original

An index on inbound_email.rfc_message_id (a Message-ID seen again with other content is
stored and noted), email_participant (people an agent added to a conversation: they
thread by headers and are copied on replies), email_attachment.part_index (a file over
the limit is fetched from the stored original), message.email_from_name and
message.email_notes (the real sender and what the agent must know), outbound_email.cc.

Revision ID: 0017_mail_reading
Revises: 0016_sign_in_security
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_mail_reading'
down_revision = '0016_sign_in_security'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_inbound_email_rfc_message_id', 'inbound_email', ['rfc_message_id'])
    op.create_table(
        'email_participant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=254), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE',
                                name=op.f('fk_email_participant_ticket_id_ticket')),
        sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_email_participant_added_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_email_participant')),
        sa.UniqueConstraint('ticket_id', 'address', name='uq_email_participant_ticket_address'),
    )
    with op.batch_alter_table('email_attachment') as batch:
        batch.add_column(sa.Column('part_index', sa.Integer(), nullable=True))
    with op.batch_alter_table('message') as batch:
        batch.add_column(sa.Column('email_from_name', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('email_notes', sa.JSON(), nullable=True))
    with op.batch_alter_table('outbound_email') as batch:
        batch.add_column(sa.Column('cc', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbound_email') as batch:
        batch.drop_column('cc')
    with op.batch_alter_table('message') as batch:
        batch.drop_column('email_notes')
        batch.drop_column('email_from_name')
    with op.batch_alter_table('email_attachment') as batch:
        batch.drop_column('part_index')
    op.drop_table('email_participant')
    op.drop_index('ix_inbound_email_rfc_message_id', table_name='inbound_email')
