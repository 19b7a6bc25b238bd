"""privacy-zone changes waiting for a second person

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 11:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_ONLY = sa.text("state = 'pending'")


def upgrade() -> None:
    op.create_table(
        "privacy_zone_changes",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("camera_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("privacy_zone_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_zone_changes_camera_id"), ["camera_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_privacy_zone_changes_state"), ["state"], unique=False)
        batch_op.create_index(
            "ux_privacy_zone_changes_pending",
            ["camera_id"],
            unique=True,
            sqlite_where=PENDING_ONLY,
            postgresql_where=PENDING_ONLY,
        )


def downgrade() -> None:
    with op.batch_alter_table("privacy_zone_changes", schema=None) as batch_op:
        batch_op.drop_index("ux_privacy_zone_changes_pending")
        batch_op.drop_index(batch_op.f("ix_privacy_zone_changes_state"))
        batch_op.drop_index(batch_op.f("ix_privacy_zone_changes_camera_id"))
    op.drop_table("privacy_zone_changes")
