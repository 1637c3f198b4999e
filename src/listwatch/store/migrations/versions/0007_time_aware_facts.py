"""time-aware facts: first/last seen and retraction times, event date windows, printed record fields

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 10:20:00

Only adds nullable columns: every existing event, name and record is kept as it was.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listwatch.store.schema import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SEEN = ("first_seen", "last_seen", "retracted_at")


def upgrade() -> None:
    for table in ("sources", "lists", "names", "identifiers"):
        with op.batch_alter_table(table) as b:
            for col in SEEN:
                b.add_column(sa.Column(col, UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("events") as b:
        b.add_column(sa.Column("window_start", sa.Date(), nullable=True))
    with op.batch_alter_table("source_records") as b:
        for col in ("aliases", "identifiers", "same_as"):
            b.add_column(sa.Column(col, sa.JSON(), nullable=True))
        for col in ("first_seen", "last_seen"):
            b.add_column(sa.Column(col, UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_records") as b:
        for col in ("aliases", "identifiers", "same_as", "first_seen", "last_seen"):
            b.drop_column(col)
    with op.batch_alter_table("events") as b:
        b.drop_column("window_start")
    for table in ("sources", "lists", "names", "identifiers"):
        with op.batch_alter_table(table) as b:
            for col in SEEN:
                b.drop_column(col)
