"""SLA: policies (targets chosen by priority, channel, inbox or customer trait) and each
ticket's clocks as last computed, with an index on the due time the inbox sorts by

Revision ID: 0015_sla
Revises: 0014_mailbox_oauth
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_sla'
down_revision = '0014_mailbox_oauth'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sla_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("first_response_minutes", sa.Integer(), nullable=True),
        sa.Column("next_response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("priority_only", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("inbox_id", sa.Integer(), nullable=True),
        sa.Column("trait_key", sa.String(length=64), nullable=True),
        sa.Column("trait_value", sa.String(length=200), nullable=True),
        sa.Column("escalate", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["inbox_id"], ["inbox.id"], name=op.f("fk_sla_policy_inbox_id_inbox"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policy")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_policy_name")),
    )
    op.create_table(
        "ticket_sla",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("due_clock", sa.String(length=20), nullable=True),
        sa.Column("breach_due_at", sa.DateTime(), nullable=True),
        sa.Column("thread_rev", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_sla_ticket_id_ticket"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["policy_id"], ["sla_policy.id"], name=op.f("fk_ticket_sla_policy_id_sla_policy"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_sla")),
    )
    op.create_index(op.f("ix_ticket_sla_due_at"), "ticket_sla", ["due_at"])


def downgrade():
    op.drop_index(op.f("ix_ticket_sla_due_at"), table_name="ticket_sla")
    op.drop_table("ticket_sla")
    op.drop_table("sla_policy")
