"""record: "Beslutet skickas till" as real recipients (decision_recipients); planned items
link back to the decision they forward

Revision ID: e3a8c5d1f074
Revises: b7d4e1a9c326
Create Date: 2026-12-05 13:30:00.000000

- decision_recipients: whom a decision is sent to, in print order: exactly one of an
  organisation, a body, a person or free text (with an address, if given); when the utdrag
  was sent to it and why sending failed. Each line of the old free-text decisions.recipients
  becomes a free-text recipient, and the column is dropped: the list is the one source.
- planned_items.source_item_id: the group's item whose decision was forwarded. Existing
  forwarded topics are linked where their utdrag is the stored utdrag of one item.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e3a8c5d1f074"
down_revision = "b7d4e1a9c326"
branch_labels = None
depends_on = None

ONE_RECIPIENT = " + ".join(
    f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)"
    for column in ("organisation_id", "body_id", "person_id", "text")
) + " = 1"


def upgrade():
    op.create_table(
        "decision_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("body_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.CheckConstraint(ONE_RECIPIENT, name=op.f("ck_decision_recipients_one_recipient")),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_decision_recipients_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_decision_recipients_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name=op.f("fk_decision_recipients_body_id_bodies")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_decision_recipients_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_recipients")),
    )
    with op.batch_alter_table("decision_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_recipients_decision_id"), ["decision_id"], unique=False
        )

    connection = op.get_bind()
    decisions = sa.table(
        "decisions", sa.column("id", sa.Integer()), sa.column("recipients", sa.Text())
    )
    recipients = sa.table(
        "decision_recipients",
        sa.column("decision_id", sa.Integer()),
        sa.column("position", sa.Integer()),
        sa.column("text", sa.String()),
    )
    rows = []
    for decision_id, text in connection.execute(
        sa.select(decisions.c.id, decisions.c.recipients).where(
            decisions.c.recipients.is_not(None)
        )
    ):
        lines = [line.strip()[:500] for line in text.splitlines() if line.strip()]
        rows += [
            {"decision_id": decision_id, "position": position, "text": line}
            for position, line in enumerate(lines)
        ]
    if rows:
        op.bulk_insert(recipients, rows)
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column("recipients")

    with op.batch_alter_table("planned_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_item_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_planned_items_source_item_id_agenda_items"),
            "agenda_items",
            ["source_item_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_planned_items_source_item_id"), ["source_item_id"], unique=False
        )
    # A forwarded topic whose utdrag is the stored utdrag of a single item came from it.
    planned = sa.table(
        "planned_items",
        sa.column("id", sa.Integer()),
        sa.column("document_id", sa.Integer()),
        sa.column("source_item_id", sa.Integer()),
    )
    documents = sa.table("documents", sa.column("id", sa.Integer()), sa.column("sha256", sa.String()))
    extracts = sa.table("extracts", sa.column("sha256", sa.String()), sa.column("item_ids", sa.JSON()))
    found = connection.execute(
        sa.select(planned.c.id, extracts.c.item_ids)
        .join(documents, documents.c.id == planned.c.document_id)
        .join(extracts, extracts.c.sha256 == documents.c.sha256)
    ).all()
    for planned_id, item_ids in found:
        if isinstance(item_ids, list) and len(item_ids) == 1:
            connection.execute(
                planned.update()
                .where(planned.c.id == planned_id)
                .values(source_item_id=int(item_ids[0]))
            )


def downgrade():
    with op.batch_alter_table("planned_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planned_items_source_item_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_planned_items_source_item_id_agenda_items"), type_="foreignkey"
        )
        batch_op.drop_column("source_item_id")

    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipients", sa.Text(), nullable=True))
    connection = op.get_bind()
    # Each recipient back as a line of text: its name, as the record printed it.
    rows = connection.execute(
        sa.text(
            "SELECT r.decision_id, COALESCE(o.name, b.name, p.name, r.text) "
            "FROM decision_recipients r "
            "LEFT JOIN organisations o ON o.id = r.organisation_id "
            "LEFT JOIN bodies b ON b.id = r.body_id "
            "LEFT JOIN people p ON p.id = r.person_id "
            "ORDER BY r.decision_id, r.position, r.id"
        )
    ).all()
    lines: dict[int, list[str]] = {}
    for decision_id, name in rows:
        lines.setdefault(decision_id, []).append(name or "")
    decisions = sa.table(
        "decisions", sa.column("id", sa.Integer()), sa.column("recipients", sa.Text())
    )
    for decision_id, names in lines.items():
        connection.execute(
            decisions.update()
            .where(decisions.c.id == decision_id)
            .values(recipients="\n".join(names))
        )
    with op.batch_alter_table("decision_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_recipients_decision_id"))
    op.drop_table("decision_recipients")
