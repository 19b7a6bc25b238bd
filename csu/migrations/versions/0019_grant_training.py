"""authorisations: who granted each camera grant, and each agent's data-protection training date

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Grants made before this revision keep granted_by empty: who made them is in the access log.
    with op.batch_alter_table("camera_grants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("granted_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("training_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("training_date")
    with op.batch_alter_table("camera_grants", schema=None) as batch_op:
        batch_op.drop_column("granted_by")
