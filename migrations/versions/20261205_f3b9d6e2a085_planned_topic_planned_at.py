"""planned items: the item ("Kommande möte") at which a topic was planned

Revision ID: f3b9d6e2a085
Revises: e3a8c5d1f074
Create Date: 2026-12-05 13:30:00

A topic planned at a meeting for the next one is data of the item that planned it: its
"Vid nästa sammanträde planeras följande frågor:" is printed from the topics that name it
(app.agenda.services.plan_from_item). Topics planned on the body's plan page have none.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f3b9d6e2a085"
down_revision = "e3a8c5d1f074"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("planned_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("planned_at_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_planned_items_planned_at_id"), ["planned_at_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_planned_items_planned_at_id_agenda_items"),
            "agenda_items",
            ["planned_at_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("planned_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_planned_items_planned_at_id_agenda_items"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_planned_items_planned_at_id"))
        batch_op.drop_column("planned_at_id")
