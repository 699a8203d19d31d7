"""SLA policies chosen by tag; each ticket's next alarm (a warning before a breach, or the breach)

Revision ID: 0031_sla_alarms
Revises: 0024_tag_colours
"""
import sqlalchemy as sa
from alembic import op

revision = '0031_sla_alarms'
down_revision = '0024_tag_colours'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sla_policy') as batch:
        batch.add_column(sa.Column('tag_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_sla_policy_tag_id_tag'), 'tag', ['tag_id'], ['id'],
                                 ondelete='CASCADE')
    with op.batch_alter_table('ticket_sla') as batch:
        batch.add_column(sa.Column('alarm_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('alarm_kind', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('alarm_clock', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('warned', sa.JSON(), nullable=True))
    op.create_index('ix_ticket_sla_alarm', 'ticket_sla', ['alarm_at'], unique=False)
    # The tickets with a running clock are computed again by the next minute's check, alarms
    # with them (the breaches already recorded are in the threads, so none is recorded twice;
    # a ticket with nothing running has no alarm to set).
    op.execute("UPDATE ticket_sla SET thread_rev = -1 WHERE due_at IS NOT NULL")


def downgrade():
    op.drop_index('ix_ticket_sla_alarm', table_name='ticket_sla')
    with op.batch_alter_table('ticket_sla') as batch:
        batch.drop_column('warned')
        batch.drop_column('alarm_clock')
        batch.drop_column('alarm_kind')
        batch.drop_column('alarm_at')
    with op.batch_alter_table('sla_policy') as batch:
        batch.drop_constraint(op.f('fk_sla_policy_tag_id_tag'), type_='foreignkey')
        batch.drop_column('tag_id')
