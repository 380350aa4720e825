"""documents: an office original beside the PDF/A made from it

Revision ID: c7d1f4a9e260
Revises: 2f30756e8491
Create Date: 2026-12-06 05:30:00.000000

documents gains source_sha256, source_filename and source_media_type (a Word, Excel,
PowerPoint or OpenDocument file as it was uploaded) and conversion_job_id (the job that
converts it to PDF/A; app.agenda.jobs). None for existing rows.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c7d1f4a9e260"
down_revision = "2f30756e8491"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("source_filename", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("source_media_type", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("conversion_job_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_documents_conversion_job_id"), ["conversion_job_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_conversion_job_id_jobs"), "jobs", ["conversion_job_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_documents_conversion_job_id_jobs"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_documents_conversion_job_id"))
        batch_op.drop_column("conversion_job_id")
        batch_op.drop_column("source_media_type")
        batch_op.drop_column("source_filename")
        batch_op.drop_column("source_sha256")
