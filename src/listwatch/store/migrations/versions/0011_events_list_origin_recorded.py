"""events by list, origin and record time: the "data as of" of every list without reading every event

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 16:20:00

Each status answer says how fresh each list's data is (listwatch.freshness): per list and origin, the
newest record time of its events. Without this index that is a scan of the whole event log (tens of
milliseconds with the real lists ingested, the largest single cost of a `listwatch status`); with it, a
scan of the index alone.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_list_origin_recorded", "events", ["list_id", "origin", "recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_events_list_origin_recorded", table_name="events")
