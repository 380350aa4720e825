"""data_generation: the number logged-in readers' cached pages are keyed on

Revision ID: a4c8e2f6b913
Revises: f5c2a7e8b194
Create Date: 2026-12-06 02:45:00.000000

One row, raised by every process after each commit that wrote anything
(app/core/response_cache.py): a cached page for a logged-in reader is served only while the
number is the one it was rendered under.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a4c8e2f6b913"
down_revision = "f5c2a7e8b194"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade():
    op.drop_table("data_generation")
