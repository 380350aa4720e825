"""organisations: the registry's email, where decisions sent to it are mailed

Revision ID: f5c2a7e8b194
Revises: f3b9d6e2a085
Create Date: 2026-12-05 19:00:00.000000

organisations gains email (the registrator's address): the expediering mails the utdrag there
for a recipient that is the organisation or one of its bodies; none for existing rows.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f5c2a7e8b194"
down_revision = "f3b9d6e2a085"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("email")
