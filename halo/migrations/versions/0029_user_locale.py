"""user locale: the language a teammate chose for Halo's screens and mail (null: automatic)

Revision ID: 0029_user_locale
Revises: 0030_snooze_index
"""
import sqlalchemy as sa
from alembic import op

revision = '0029_user_locale'
down_revision = '0030_snooze_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('user') as batch:
        batch.drop_column('locale')
