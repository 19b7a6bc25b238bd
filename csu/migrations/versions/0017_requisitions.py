"""requisitions: the register of judicial requisitions, and the one each legal hold was placed for

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 07:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "requisitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", _TEXT(length=128), nullable=False),
        sa.Column("authority", _TEXT(length=200), nullable=False),
        sa.Column("officer", _TEXT(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("legal_basis", _TEXT(length=2000), nullable=False),
        sa.Column("requested", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", _TEXT(length=16), nullable=False),
        sa.Column("refusal_reason", _TEXT(length=2000), nullable=True),
        sa.Column("recipient", _TEXT(length=128), nullable=True),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("medium", _TEXT(length=128), nullable=True),
        sa.Column("receipt", _TEXT(length=128), nullable=True),
        sa.Column("created_by", _TEXT(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("requisitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_requisitions_reference"), ["reference"], unique=False)
        batch_op.create_index(batch_op.f("ix_requisitions_status"), ["status"], unique=False)
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requisition_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_legal_holds_requisition_id"), ["requisition_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_holds_requisition_id"))
        batch_op.drop_column("requisition_id")
    with op.batch_alter_table("requisitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requisitions_status"))
        batch_op.drop_index(batch_op.f("ix_requisitions_reference"))
    op.drop_table("requisitions")
