"""source_records.joined_by: why an ingested record was put under an entity that already existed

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 15:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_records") as batch:
        batch.add_column(sa.Column("joined_by", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_records") as batch:
        batch.drop_column("joined_by")
