"""data_version: one row every write of the store's data bumps; entities by lower(id)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 18:10:00

The data version keys every cache of the store's data (the persisted screening index, the resolver's
table, entities and statuses in memory). It was 7 row counts and 2 newest ids, computed on every
opening (~10 ms with the three real lists ingested, more as the store grows). Now the writer bumps this
row in the same transaction as the change it makes (listwatch.store.db.Store.writer), and so does a
migration (listwatch.store.db.migrate): one indexed read. ``token`` is random on every bump, so a version
is never reused, not by a store deleted and created again, nor by one restored from a backup and
written to since.

``status NAME`` first asks whether NAME is an entity id, case-insensitively (``lower(id) = ?``): an
index on that expression answers it without reading every entity.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("serial", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "serial": 1, "token": uuid.uuid4().hex}])
    op.create_index("ix_entities_lower_id", "entities", [sa.text("lower(id)")])


def downgrade() -> None:
    op.drop_index("ix_entities_lower_id", table_name="entities")
    op.drop_table("data_version")
