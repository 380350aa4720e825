"""documents get an owner; changes to the handlingar after the kallelse are kept

Revision ID: d0c5a11e7b93
Revises: l9s2e4c6a8b1
Create Date: 2026-12-04 18:00:00.000000

documents gains owner_body_id and owner_organisation_id: who may read an internal or secret
document is judged by the body (or organisation) it was filed for, never by the meeting where
it is shown. Existing documents get the body of the first meeting they are attached to (or of
the planned topic that carries them), the organisation of that body, else of their case, else
the installation's organisation when there is just one.

agenda_document_changes holds who attached or removed which beslutsunderlag after the
kallelse was sent.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d0c5a11e7b93"
down_revision = "l9s2e4c6a8b1"
branch_labels = None
depends_on = None


FILL = (
    "UPDATE documents SET owner_body_id = ("
    "SELECT m.body_id FROM agenda_item_documents l "
    "JOIN agenda_items i ON i.id = l.item_id JOIN meetings m ON m.id = i.meeting_id "
    "WHERE l.document_id = documents.id ORDER BY l.id LIMIT 1)",
    "UPDATE documents SET owner_body_id = ("
    "SELECT p.body_id FROM planned_items p WHERE p.document_id = documents.id "
    "ORDER BY p.id LIMIT 1) WHERE owner_body_id IS NULL",
    "UPDATE documents SET owner_organisation_id = ("
    "SELECT b.organisation_id FROM bodies b WHERE b.id = documents.owner_body_id) "
    "WHERE owner_body_id IS NOT NULL",
    "UPDATE documents SET owner_organisation_id = ("
    "SELECT c.organisation_id FROM cases c WHERE c.id = documents.case_id) "
    "WHERE owner_organisation_id IS NULL",
    "UPDATE documents SET owner_organisation_id = (SELECT MIN(id) FROM organisations) "
    "WHERE owner_organisation_id IS NULL AND (SELECT COUNT(*) FROM organisations) = 1",
)


def upgrade():
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_body_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("owner_organisation_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_documents_owner_body_id"), ["owner_body_id"])
        batch_op.create_index(
            batch_op.f("ix_documents_owner_organisation_id"), ["owner_organisation_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_owner_body_id_bodies"), "bodies", ["owner_body_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_owner_organisation_id_organisations"),
            "organisations",
            ["owner_organisation_id"],
            ["id"],
        )
    for statement in FILL:
        op.execute(statement)

    op.create_table(
        "agenda_document_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_label", sa.String(length=600), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("attached", "removed", name="documentchangekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_by_name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_agenda_document_changes_changed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_agenda_document_changes_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_agenda_document_changes_meeting_id_meetings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_document_changes")),
    )
    with op.batch_alter_table("agenda_document_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_document_changes_meeting_id"), ["meeting_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("agenda_document_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_document_changes_meeting_id"))
    op.drop_table("agenda_document_changes")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_documents_owner_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_documents_owner_body_id_bodies"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_documents_owner_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_documents_owner_body_id"))
        batch_op.drop_column("owner_organisation_id")
        batch_op.drop_column("owner_body_id")
