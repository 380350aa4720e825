"""jobs: a heartbeat, so that a job whose worker died is failed after its lease

Revision ID: j12a7e3b9c41
Revises: s5e8a1c3f902
Create Date: 2026-12-04 18:00:00.000000

jobs gains heartbeat_at, the job's last sign of life (queued, started, each step). Existing
rows take the time they were started, or else created.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "j12a7e3b9c41"
down_revision = "s5e8a1c3f902"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE jobs SET heartbeat_at = COALESCE(started_at, created_at)")


def downgrade():
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
