"""api channels: inboxes of kind API (a bridge posts its customers' messages, and receives
the team's replies as signed deliveries), and the bridge's contacts

Revision ID: 0021_api_channels
Revises: 0020_webhooks
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_api_channels'
down_revision = '0020_webhooks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_channel',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inbox_id', sa.Integer(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['inbox_id'], ['inbox.id'], name=op.f('fk_api_channel_inbox_id_inbox'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'],
                                name=op.f('fk_api_channel_endpoint_id_webhook_endpoint'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_channel')),
        sa.UniqueConstraint('inbox_id', name=op.f('uq_api_channel_inbox_id')),
    )
    op.create_table(
        'api_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.String(length=200), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['api_channel.id'],
                                name=op.f('fk_api_contact_channel_id_api_channel'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                                name=op.f('fk_api_contact_customer_id_customer'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_api_contact_ticket_id_ticket'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_contact')),
        sa.UniqueConstraint('channel_id', 'contact_id', name='uq_api_contact_channel_contact'),
    )
    op.create_index(op.f('ix_api_contact_customer_id'), 'api_contact', ['customer_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_api_contact_customer_id'), table_name='api_contact')
    op.drop_table('api_contact')
    op.drop_table('api_channel')
