"""search index: the meeting's date and the public's visibility in the rows

Revision ID: s5e8a1c3f902
Revises: s5e1c0a9b7d2
Create Date: 2026-11-23 19:20:00.000000

search_entries gains meeting_date (the year filter and the order of equal ranks) and public
(whether anyone without a role may see the row, by the rules of app.accounts.permissions), so
that a search filters without joining the item, meeting, body and document. Filled here from
the records; app.search.index keeps them in step from now on.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "s5e8a1c3f902"
down_revision = "s5e1c0a9b7d2"
branch_labels = None
depends_on = None


FILL = (
    "UPDATE search_entries SET meeting_date = "
    "(SELECT m.meeting_date FROM meetings m WHERE m.id = search_entries.meeting_id)",
    # can_view_item, can_view_decision and can_view_item_document for the public.
    "UPDATE search_entries SET public = EXISTS ("
    "SELECT 1 FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id "
    "JOIN bodies b ON b.id = m.body_id "
    "WHERE i.id = search_entries.item_id AND b.is_public AND i.is_public AND ("
    "(search_entries.kind = 'item' AND m.status IN ('convened', 'held')) OR "
    "(search_entries.kind = 'decision' AND m.record_status = 'final') OR "
    "(search_entries.kind = 'document' AND m.status IN ('convened', 'held') AND EXISTS ("
    "SELECT 1 FROM documents d WHERE d.id = search_entries.document_id "
    "AND d.confidentiality = 'public'))))",
)


def upgrade():
    # Plain ALTER TABLE (no batch copy on SQLite, which would drop the FTS5 triggers).
    op.add_column("search_entries", sa.Column("meeting_date", sa.Date(), nullable=True))
    op.add_column(
        "search_entries",
        sa.Column("public", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    for statement in FILL:
        op.execute(statement)


def downgrade():
    op.execute("ALTER TABLE search_entries DROP COLUMN public")
    op.execute("ALTER TABLE search_entries DROP COLUMN meeting_date")
