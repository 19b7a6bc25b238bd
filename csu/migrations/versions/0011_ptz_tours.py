"""PTZ preset tours: each camera's stops and whether its tour runs

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ptz_tours",
        sa.Column("camera_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stops", sa.Text(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("started_role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("camera_id"),
    )


def downgrade() -> None:
    op.drop_table("ptz_tours")
