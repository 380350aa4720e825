"""planned items: the item ("Kommande möte") at which a topic was planned

Revision ID: e3a8c5d1f064
Revises: b7d4e1a9c326
Create Date: 2026-12-05 13:30:00

A topic planned at a meeting for the next one is data of the item that planned it: its
"Vid nästa sammanträde planeras följande frågor:" is printed from the topics that name it
(app.agenda.services.plan_from_item). Topics planned on the body's plan page have none.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e3a8c5d1f064"
down_revision = "b7d4e1a9c326"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("planned_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_item_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_planned_items_source_item_id"), ["source_item_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_planned_items_source_item_id_agenda_items"),
            "agenda_items",
            ["source_item_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("planned_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_planned_items_source_item_id_agenda_items"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_planned_items_source_item_id"))
        batch_op.drop_column("source_item_id")
