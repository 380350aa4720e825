"""notification subscriptions

Revision ID: d4e5f6071823
Revises: c3d4e5f60712
Create Date: 2026-11-23 16:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e5f6071823'
down_revision = 'c3d4e5f60712'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.Enum('kallelse', 'record', name='subscriptiontopic', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_notification_subscriptions_body_id_bodies')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_subscriptions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_subscriptions')),
    sa.UniqueConstraint('user_id', 'body_id', 'topic', name=op.f('uq_notification_subscriptions_user_id_body_id_topic'))
    )
    with op.batch_alter_table('notification_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_subscriptions_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_subscriptions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('notification_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_subscriptions_user_id'))
        batch_op.drop_index(batch_op.f('ix_notification_subscriptions_body_id'))

    op.drop_table('notification_subscriptions')
