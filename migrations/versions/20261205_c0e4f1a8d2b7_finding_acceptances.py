"""record: the completeness check's accepted points (finding_acceptances)

Revision ID: c0e4f1a8d2b7
Revises: 359596b46487
Create Date: 2026-12-05 09:00:00

- finding_acceptances: a point of the completeness check before justering and signing that
  the secretary accepted consciously, with a note (meeting, the finding's stable key, note,
  who, when); one per meeting and key.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c0e4f1a8d2b7"
down_revision = "359596b46487"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "finding_acceptances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_finding_acceptances_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"], ["users.id"], name=op.f("fk_finding_acceptances_accepted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_acceptances")),
        sa.UniqueConstraint("meeting_id", "key", name=op.f("uq_finding_acceptances_meeting_id_key")),
    )
    with op.batch_alter_table("finding_acceptances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finding_acceptances_meeting_id"), ["meeting_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("finding_acceptances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_acceptances_meeting_id"))
    op.drop_table("finding_acceptances")
