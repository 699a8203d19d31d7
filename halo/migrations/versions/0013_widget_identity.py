"""widget identity: unverified emails are claims; visitors can be blocked

customer.claimed_email holds an address a chat visitor gave without the site's signature
(it used to become the profile's email, so mail from that address later filed under
whoever claimed it first). visitor.blocked_at / blocked_by_id: an agent turned it away.

Data: the "claimed_email" trait moves to the column; a profile that got its email from an
unverified identify (only unverified visitors, only chat tickets: no mail has reached it)
gives the address up as a claim. A profile that mail has already reached keeps it: which
of the two people owns it is for an agent to judge.

Revision ID: 0013_widget_identity
Revises: 0012_business_hours
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_widget_identity'
down_revision = '0012_business_hours'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer') as batch_op:
        batch_op.add_column(sa.Column('claimed_email', sa.String(length=254), nullable=True))
    with op.batch_alter_table('visitor') as batch_op:
        batch_op.add_column(sa.Column('blocked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('blocked_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_visitor_blocked_by_id_user'), 'user',
                                    ['blocked_by_id'], ['id'], ondelete='SET NULL')
    _claims_from_traits()
    _claims_from_unverified_emails()


def _claims_from_traits():
    bind = op.get_bind()
    customer = sa.table('customer', sa.column('id', sa.Integer), sa.column('traits', sa.JSON),
                        sa.column('claimed_email', sa.String))
    for cid, traits in bind.execute(sa.select(customer.c.id, customer.c.traits)).all():
        if isinstance(traits, dict) and isinstance(traits.get('claimed_email'), str):
            rest = {k: v for k, v in traits.items() if k != 'claimed_email'}
            bind.execute(customer.update().where(customer.c.id == cid).values(
                traits=rest, claimed_email=traits['claimed_email'][:254]))


def _claims_from_unverified_emails():
    bind = op.get_bind()
    customer = sa.table('customer', sa.column('id', sa.Integer), sa.column('email', sa.String),
                        sa.column('claimed_email', sa.String))
    visitor = sa.table('visitor', sa.column('customer_id', sa.Integer),
                       sa.column('identified', sa.Boolean))
    ticket = sa.table('ticket', sa.column('customer_id', sa.Integer), sa.column('channel', sa.String))
    verified = sa.select(visitor.c.customer_id).where(visitor.c.identified.is_(True))
    mailed = sa.select(ticket.c.customer_id).where(ticket.c.channel != 'chat')
    chatted = sa.select(visitor.c.customer_id)
    claimed = bind.execute(sa.select(customer.c.id, customer.c.email).where(
        customer.c.email.is_not(None), customer.c.id.in_(chatted),
        customer.c.id.not_in(verified), customer.c.id.not_in(mailed))).all()
    for cid, email in claimed:
        bind.execute(customer.update().where(customer.c.id == cid).values(
            email=None, claimed_email=email))


def downgrade():
    with op.batch_alter_table('visitor') as batch_op:
        batch_op.drop_constraint(op.f('fk_visitor_blocked_by_id_user'), type_='foreignkey')
        batch_op.drop_column('blocked_by_id')
        batch_op.drop_column('blocked_at')
    with op.batch_alter_table('customer') as batch_op:
        batch_op.drop_column('claimed_email')
