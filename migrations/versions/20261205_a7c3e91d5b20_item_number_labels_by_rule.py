"""agenda items: the number's printed style is the body's rule, not a label per item

Revision ID: a7c3e91d5b20
Revises: c0e4f1a8d2b7
Create Date: 2026-12-05 09:05:00

agenda_items.number_label held a seed's own way of printing one item's number ("§1" beside
"5" in one set of minutes). An item's number now prints by its body's numbering rule only
(app.agenda.models.number_label), so the column goes. Downgrading brings the column back
empty: the labels were a style, not data the numbers lack.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a7c3e91d5b20"
down_revision = 'c0e4f1a8d2b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_column("number_label")


def downgrade():
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number_label", sa.String(length=20), nullable=True))
