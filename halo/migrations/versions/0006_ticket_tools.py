"""ticket tools: merge, split, snooze, saved replies, translation

Revision ID: 0006_ticket_tools
Revises: 0005_queue
"""
import sqlalchemy as sa
from alembic import op

revision = '0006_ticket_tools'
down_revision = '0005_queue'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket') as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_ticket_merged_into_id_ticket'), 'ticket',
                                    ['merged_into_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_ticket_merged_into_id', ['merged_into_id'], unique=False)
    with op.batch_alter_table('message') as batch_op:
        batch_op.add_column(sa.Column('origin_ticket_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('original_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('translation', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('translation_lang', sa.String(length=16), nullable=True))
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE',
                                name=op.f('fk_notification_user_id_user')),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE',
                                name=op.f('fk_notification_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    )
    op.create_index('ix_notification_user_unread', 'notification',
                    ['user_id', 'read_at', 'created_at'], unique=False)
    op.create_table(
        'saved_reply',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_saved_reply_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_reply')),
        sa.UniqueConstraint('title', name=op.f('uq_saved_reply_title')),
    )


def downgrade():
    op.drop_table('saved_reply')
    op.drop_index('ix_notification_user_unread', table_name='notification')
    op.drop_table('notification')
    with op.batch_alter_table('message') as batch_op:
        batch_op.drop_column('translation_lang')
        batch_op.drop_column('translation')
        batch_op.drop_column('original_text')
        batch_op.drop_column('language')
        batch_op.drop_column('origin_ticket_id')
    with op.batch_alter_table('ticket') as batch_op:
        batch_op.drop_index('ix_ticket_merged_into_id')
        batch_op.drop_constraint(op.f('fk_ticket_merged_into_id_ticket'), type_='foreignkey')
        batch_op.drop_column('merged_at')
        batch_op.drop_column('merged_into_id')
