"""contacts: customers' other addresses, teammates' notes about a customer, and the record
of each customer merge (so it can be undone)

Revision ID: 0023_contacts
Revises: 0025_report_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_contacts'
down_revision = '0025_report_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'customer_address',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                                name=op.f('fk_customer_address_customer_id_customer'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_address')),
        sa.UniqueConstraint('email', name=op.f('uq_customer_address_email')),
    )
    op.create_index('ix_customer_address_customer_id', 'customer_address', ['customer_id'])
    op.create_table(
        'customer_note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                                name=op.f('fk_customer_note_customer_id_customer'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['user.id'],
                                name=op.f('fk_customer_note_author_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_note')),
    )
    op.create_index('ix_customer_note_customer', 'customer_note', ['customer_id', 'created_at'])
    op.create_table(
        'customer_merge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=True),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.JSON(), nullable=False),
        sa.Column('target_before', sa.JSON(), nullable=False),
        sa.Column('moved', sa.JSON(), nullable=False),
        sa.Column('merged_by_id', sa.Integer(), nullable=True),
        sa.Column('merged_at', sa.DateTime(), nullable=False),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.Column('undone_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['target_id'], ['customer.id'],
                                name=op.f('fk_customer_merge_target_id_customer'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['merged_by_id'], ['user.id'],
                                name=op.f('fk_customer_merge_merged_by_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['undone_by_id'], ['user.id'],
                                name=op.f('fk_customer_merge_undone_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_merge')),
    )
    op.create_index('ix_customer_merge_target_id', 'customer_merge', ['target_id'])
    op.create_table(
        'customer_import',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('rows', sa.JSON(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_customer_import_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_import')),
    )


def downgrade():
    op.drop_table('customer_import')
    op.drop_index('ix_customer_merge_target_id', table_name='customer_merge')
    op.drop_table('customer_merge')
    op.drop_index('ix_customer_note_customer', table_name='customer_note')
    op.drop_table('customer_note')
    op.drop_index('ix_customer_address_customer_id', table_name='customer_address')
    op.drop_table('customer_address')
