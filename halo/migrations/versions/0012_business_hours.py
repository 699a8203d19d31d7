"""business hours: a weekly schedule per inbox (or the workspace's), with closed days

Revision ID: 0012_business_hours
Revises: 0011_inboxes_teams
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_business_hours'
down_revision = '0011_inboxes_teams'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "business_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("week", sa.Text(), nullable=False),
        sa.Column("reply_hours", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["inbox_id"], ["inbox.id"], name=op.f("fk_business_hours_inbox_id_inbox"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_hours")),
        sa.UniqueConstraint("inbox_id", name=op.f("uq_business_hours_inbox_id")),
    )
    op.create_table(
        "business_holiday",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_hours_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["business_hours_id"], ["business_hours.id"],
                                name=op.f("fk_business_holiday_business_hours_id_business_hours"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_holiday")),
        sa.UniqueConstraint("business_hours_id", "day", name=op.f("uq_business_holiday_business_hours_id")),
    )


def downgrade():
    op.drop_table("business_holiday")
    op.drop_table("business_hours")
