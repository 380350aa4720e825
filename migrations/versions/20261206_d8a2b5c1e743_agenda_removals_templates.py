"""agenda: removals that can be undone, and agenda templates per body

Revision ID: d8a2b5c1e743
Revises: c7d1f4a9e260
Create Date: 2026-12-06 06:00:00.000000

agenda_removals keeps items taken off a preliminary agenda (as JSON) so the removal can be
undone for a while; agenda_templates holds a body's named agenda templates (mallar).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d8a2b5c1e743"
down_revision = "c7d1f4a9e260"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "agenda_removals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_agenda_removals_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"], ["users.id"], name=op.f("fk_agenda_removals_removed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_removals")),
    )
    with op.batch_alter_table("agenda_removals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_removals_meeting_id"), ["meeting_id"], unique=False
        )
    op.create_table(
        "agenda_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name=op.f("fk_agenda_templates_body_id_bodies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_templates")),
    )
    with op.batch_alter_table("agenda_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_templates_body_id"), ["body_id"], unique=False)


def downgrade():
    with op.batch_alter_table("agenda_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_templates_body_id"))
    op.drop_table("agenda_templates")
    with op.batch_alter_table("agenda_removals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_removals_meeting_id"))
    op.drop_table("agenda_removals")
