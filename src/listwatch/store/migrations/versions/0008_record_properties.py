"""source_records.properties: the FollowTheMoney properties a record printed beyond names and identifiers

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 12:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_records") as batch:
        batch.add_column(sa.Column("properties", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_records") as batch:
        batch.drop_column("properties")
