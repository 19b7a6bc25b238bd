"""recording segments: the cluster worker whose disk holds the file

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 15:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL: the single process's own disk (every segment recorded before clusters existed).
    with op.batch_alter_table("recording_segments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("node", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("recording_segments", schema=None) as batch_op:
        batch_op.drop_column("node")
