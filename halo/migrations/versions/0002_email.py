"""email channel

Revision ID: 0002_email
Revises: 0001_core
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0002_email'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('use_ssl', sa.Boolean(), nullable=False),
    sa.Column('username', sa.String(length=254), nullable=False),
    sa.Column('password', sa.String(length=500), nullable=False),
    sa.Column('folder', sa.String(length=200), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('last_polled_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox'))
    )
    op.create_table('sender_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('verify_sent_at', sa.DateTime(), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sender_address')),
    sa.UniqueConstraint('email', name=op.f('uq_sender_address_email'))
    )
    op.create_table('trusted_sender',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pattern', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trusted_sender')),
    sa.UniqueConstraint('pattern', name=op.f('uq_trusted_sender_pattern'))
    )
    op.create_table('inbound_email',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=255), nullable=False),
    sa.Column('rfc_message_id', sa.String(length=255), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('envelope_from', sa.String(length=254), nullable=True),
    sa.Column('envelope_to', sa.JSON(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('processed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_inbound_email_ticket_id_ticket'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_email')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_inbound_email_dedupe_key'))
    )
    with op.batch_alter_table('inbound_email', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_email_state_received', ['state', 'received_at'], unique=False)

    op.create_table('email_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=127), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_id', sa.String(length=255), nullable=True),
    sa.Column('inline', sa.Boolean(), nullable=False),
    sa.Column('storage_name', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_email.id'], name=op.f('fk_email_attachment_inbound_id_inbound_email'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_email_attachment_message_id_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_attachment'))
    )
    with op.batch_alter_table('email_attachment', schema=None) as batch_op:
        batch_op.create_index('ix_email_attachment_inbound_cid', ['inbound_id', 'content_id'], unique=False)
        batch_op.create_index('ix_email_attachment_message', ['message_id'], unique=False)

    op.create_table('outbound_email',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('rfc_message_id', sa.String(length=255), nullable=False),
    sa.Column('in_reply_to', sa.String(length=255), nullable=True),
    sa.Column('references', sa.Text(), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('from_address', sa.String(length=254), nullable=False),
    sa.Column('from_name', sa.String(length=200), nullable=False),
    sa.Column('reply_to', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_outbound_email_message_id_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_email')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbound_email_message_id')),
    sa.UniqueConstraint('rfc_message_id', name=op.f('uq_outbound_email_rfc_message_id'))
    )
    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_email_state_next', ['state', 'next_attempt_at'], unique=False)

    # Plain ADD COLUMN (no batch table rebuild): rebuilding `message` on SQLite with
    # foreign keys on would cascade-delete the mentions that point at it.
    op.add_column('message', sa.Column('email_message_id', sa.String(length=255), nullable=True))
    op.add_column('message', sa.Column('email_from', sa.String(length=254), nullable=True))
    op.add_column('message', sa.Column('thread_reason', sa.String(length=40), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite accepts an inline REFERENCES on ADD COLUMN; Alembic will not emit one.
        op.execute('ALTER TABLE message ADD COLUMN inbound_id INTEGER '
                   'CONSTRAINT fk_message_inbound_id_inbound_email '
                   'REFERENCES inbound_email (id) ON DELETE SET NULL')
    else:
        op.add_column('message', sa.Column('inbound_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_message_inbound_id_inbound_email'), 'message',
                              'inbound_email', ['inbound_id'], ['id'], ondelete='SET NULL')
    op.create_index(op.f('ix_message_email_message_id'), 'message', ['email_message_id'], unique=False)
    op.create_index('ix_message_inbound_id', 'message', ['inbound_id'], unique=True)


def downgrade():
    op.drop_index('ix_message_inbound_id', table_name='message')
    op.drop_index(op.f('ix_message_email_message_id'), table_name='message')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('inbound_id')
        batch_op.drop_column('thread_reason')
        batch_op.drop_column('email_from')
        batch_op.drop_column('email_message_id')

    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_email_state_next')

    op.drop_table('outbound_email')
    with op.batch_alter_table('email_attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_email_attachment_message')
        batch_op.drop_index('ix_email_attachment_inbound_cid')

    op.drop_table('email_attachment')
    with op.batch_alter_table('inbound_email', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_email_state_received')

    op.drop_table('inbound_email')
    op.drop_table('trusted_sender')
    op.drop_table('sender_address')
    op.drop_table('mailbox')
