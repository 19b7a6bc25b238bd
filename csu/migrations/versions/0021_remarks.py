"""remarks: visitors' remarks from the Forum kiosk, waiting for moderation

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No column for who left a remark: the visitor has no account and is not tracked.
    op.create_table(
        "remarks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("contact", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("moderated_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("refusal_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_remarks_received_at", "remarks", ["received_at"])
    op.create_index("ix_remarks_status_received", "remarks", ["status", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_remarks_status_received", table_name="remarks")
    op.drop_index("ix_remarks_received_at", table_name="remarks")
    op.drop_table("remarks")
