"""inboxes and teams: every ticket in an inbox, teams given inboxes, roles that publish

Every existing ticket moves into one inbox, "Support", which no team is given yet (so
every agent still sees every ticket until an admin gives inboxes to teams). The sidebar's
counter rows gain the inbox, so an agent's counts are a sum over the inboxes they see.

SQLite: ticket.inbox_id is added by ADD COLUMN, which cannot add a NOT NULL column with a
REFERENCES clause while foreign keys are enforced, and rebuilding the table would drop
its full-text triggers and cascade its deletes to every message. So there the column is
nullable and the services fill it on every flush (services/access/inboxes.py);
PostgreSQL enforces NOT NULL. For the same reasons a downgrade on SQLite empties the
column instead of dropping it.

Revision ID: 0011_inboxes_teams
Revises: 0010_lease
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_inboxes_teams'
down_revision = '0010_lease'
branch_labels = None
depends_on = None

TICKET_INDEXES = {
    "ix_ticket_inbox_bucket_activity": ["inbox_id", "bucket", "last_activity_at", "id"],
    "ix_ticket_inbox_assignee_bucket_activity": ["inbox_id", "assignee_id", "bucket", "last_activity_at", "id"],
    "ix_ticket_inbox_status_activity": ["inbox_id", "status", "last_activity_at", "id"],
    "ix_ticket_inbox_activity": ["inbox_id", "last_activity_at", "id"],
}


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table(
        'inbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('sender_address_id', sa.Integer(), nullable=True),
        sa.Column('signature', sa.Text(), nullable=False),
        sa.Column('auto_assign', sa.Boolean(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['sender_address_id'], ['sender_address.id'], ondelete='SET NULL',
                                name=op.f('fk_inbox_sender_address_id_sender_address')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox')),
        sa.UniqueConstraint('name', name=op.f('uq_inbox_name')),
    )
    op.create_table(
        'inbox_address',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inbox_id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(['inbox_id'], ['inbox.id'], ondelete='CASCADE',
                                name=op.f('fk_inbox_address_inbox_id_inbox')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_address')),
        sa.UniqueConstraint('address', name=op.f('uq_inbox_address_address')),
    )
    op.create_index('ix_inbox_address_inbox_id', 'inbox_address', ['inbox_id'])
    op.create_table(
        'team',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team')),
        sa.UniqueConstraint('name', name=op.f('uq_team_name')),
    )
    op.create_table(
        'team_member',
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['team.id'], ondelete='CASCADE',
                                name=op.f('fk_team_member_team_id_team')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE',
                                name=op.f('fk_team_member_user_id_user')),
        sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_team_member')),
    )
    op.create_index('ix_team_member_user_id', 'team_member', ['user_id'])
    op.create_table(
        'team_inbox',
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('inbox_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['team.id'], ondelete='CASCADE',
                                name=op.f('fk_team_inbox_team_id_team')),
        sa.ForeignKeyConstraint(['inbox_id'], ['inbox.id'], ondelete='CASCADE',
                                name=op.f('fk_team_inbox_inbox_id_inbox')),
        sa.PrimaryKeyConstraint('team_id', 'inbox_id', name=op.f('pk_team_inbox')),
    )
    op.create_index('ix_team_inbox_inbox_id', 'team_inbox', ['inbox_id'])

    op.execute("INSERT INTO inbox (name, signature, created_at) VALUES ('Support', '', CURRENT_TIMESTAMP)")
    if dialect == "sqlite":
        # A downgrade leaves the column (see downgrade()); an upgrade after it reuses it.
        if "inbox_id" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("ticket")}:
            op.execute("ALTER TABLE ticket ADD COLUMN inbox_id INTEGER "
                       "CONSTRAINT fk_ticket_inbox_id_inbox REFERENCES inbox (id)")
    else:
        op.add_column('ticket', sa.Column('inbox_id', sa.Integer(), nullable=True))
    op.execute("UPDATE ticket SET inbox_id = (SELECT min(id) FROM inbox)")
    if dialect != "sqlite":
        op.alter_column('ticket', 'inbox_id', nullable=False)
        op.create_foreign_key(op.f('fk_ticket_inbox_id_inbox'), 'ticket', 'inbox', ['inbox_id'], ['id'])
    for name, columns in TICKET_INDEXES.items():
        op.create_index(name, 'ticket', columns)

    with op.batch_alter_table('mailbox') as batch_op:
        batch_op.add_column(sa.Column('inbox_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_mailbox_inbox_id_inbox'), 'inbox', ['inbox_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('user') as batch_op:
        batch_op.add_column(sa.Column('can_publish', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('directive') as batch_op:
        batch_op.add_column(sa.Column('published', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))

    # The counters gain the inbox: rebuilt from the tickets, as they stand.
    op.drop_table('ticket_counter')
    op.create_table(
        'ticket_counter',
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('assignee_key', sa.Integer(), nullable=False),
        sa.Column('inbox_id', sa.Integer(), server_default='0', nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('status', 'assignee_key', 'inbox_id', name=op.f('pk_ticket_counter')),
    )
    op.execute("INSERT INTO ticket_counter (status, assignee_key, inbox_id, n) "
               "SELECT status, coalesce(assignee_id, 0), inbox_id, count(*) FROM ticket "
               "GROUP BY status, coalesce(assignee_id, 0), inbox_id")


def downgrade():
    op.drop_table('ticket_counter')
    op.create_table(
        'ticket_counter',
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('assignee_key', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('status', 'assignee_key', name=op.f('pk_ticket_counter')),
    )
    op.execute("INSERT INTO ticket_counter (status, assignee_key, n) "
               "SELECT status, coalesce(assignee_id, 0), count(*) FROM ticket "
               "GROUP BY status, coalesce(assignee_id, 0)")
    with op.batch_alter_table('directive') as batch_op:
        batch_op.drop_column('published')
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_column('can_publish')
    with op.batch_alter_table('mailbox') as batch_op:
        batch_op.drop_constraint(op.f('fk_mailbox_inbox_id_inbox'), type_='foreignkey')
        batch_op.drop_column('inbox_id')
    for name in TICKET_INDEXES:
        op.drop_index(name, table_name='ticket')
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column with a foreign key, and rebuilding the table would drop
        # its full-text triggers and cascade to every message: the column stays, emptied.
        op.execute("UPDATE ticket SET inbox_id = NULL")
    else:
        op.drop_constraint(op.f('fk_ticket_inbox_id_inbox'), 'ticket', type_='foreignkey')
        op.drop_column('ticket', 'inbox_id')
    op.drop_index('ix_team_inbox_inbox_id', table_name='team_inbox')
    op.drop_table('team_inbox')
    op.drop_index('ix_team_member_user_id', table_name='team_member')
    op.drop_table('team_member')
    op.drop_table('team')
    op.drop_index('ix_inbox_address_inbox_id', table_name='inbox_address')
    op.drop_table('inbox_address')
    op.drop_table('inbox')
