"""live chat

Revision ID: 0003_chat
Revises: 0002_email
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_chat'
down_revision = '0002_email'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'alias_user',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('avatar_file', sa.String(length=80), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alias_user')),
    )
    op.create_table(
        'visitor',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('connections', sa.Integer(), nullable=False),
        sa.Column('identified', sa.Boolean(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                                name=op.f('fk_visitor_customer_id_customer')),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='SET NULL',
                                name=op.f('fk_visitor_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visitor')),
        sa.UniqueConstraint('key', name=op.f('uq_visitor_key')),
    )
    with op.batch_alter_table('visitor') as batch_op:
        batch_op.create_index('ix_visitor_ticket_id', ['ticket_id'], unique=False)
    with op.batch_alter_table('ticket') as batch_op:
        batch_op.add_column(sa.Column('ai_paused', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('message') as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('alias_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_message_alias_id_alias_user'), 'alias_user',
                                    ['alias_id'], ['id'], ondelete='SET NULL')
        batch_op.create_unique_constraint('uq_message_ticket_client', ['ticket_id', 'client_id'])


def downgrade():
    with op.batch_alter_table('message') as batch_op:
        batch_op.drop_constraint('uq_message_ticket_client', type_='unique')
        batch_op.drop_constraint(op.f('fk_message_alias_id_alias_user'), type_='foreignkey')
        batch_op.drop_column('alias_id')
        batch_op.drop_column('client_id')
    with op.batch_alter_table('ticket') as batch_op:
        batch_op.drop_column('ai_paused')
    with op.batch_alter_table('visitor') as batch_op:
        batch_op.drop_index('ix_visitor_ticket_id')
    op.drop_table('visitor')
    op.drop_table('alias_user')
