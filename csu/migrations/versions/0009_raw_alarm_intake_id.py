"""raw alarms: the alarm stream's id of a payload (cluster intake)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("raw_alarms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("intake_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_raw_alarms_intake_id"), ["intake_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("raw_alarms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_raw_alarms_intake_id"))
        batch_op.drop_column("intake_id")
