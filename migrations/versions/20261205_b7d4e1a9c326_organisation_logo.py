"""organisations: a logo for the letterhead

Revision ID: b7d4e1a9c326
Revises: a7c3e91d5b20
Create Date: 2026-12-05 09:10:00.000000

organisations gains logo_sha256: the stored PNG (app.documents.storage) the protokoll and the
minnesanteckningar print in their letterhead; none for existing rows.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7d4e1a9c326"
down_revision = 'a7c3e91d5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logo_sha256", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("logo_sha256")
