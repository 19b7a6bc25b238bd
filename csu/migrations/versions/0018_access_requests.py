"""access requests: the register's records get a kind (judicial or access) and the requester of
an access request, whose authority and officer are none

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 10:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("requisitions", schema=None) as batch_op:
        # Every record so far is a judicial requisition.
        batch_op.add_column(
            sa.Column("kind", _TEXT(length=16), nullable=False, server_default="judicial")
        )
        batch_op.add_column(sa.Column("requester", _TEXT(length=200), nullable=True))
        batch_op.alter_column("authority", existing_type=_TEXT(length=200), nullable=True)
        batch_op.alter_column("officer", existing_type=_TEXT(length=128), nullable=True)
        batch_op.create_index(batch_op.f("ix_requisitions_kind"), ["kind"], unique=False)


def downgrade() -> None:
    # An access request has no authority: it cannot go back into a judicial-only register, and
    # a register is never emptied to make a downgrade pass.
    found = op.get_bind().execute(
        sa.text("SELECT count(*) FROM requisitions WHERE kind <> 'judicial'")
    )
    if found.scalar_one():
        raise RuntimeError("the register holds access requests: downgrade to 0017 refused")
    with op.batch_alter_table("requisitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requisitions_kind"))
        batch_op.alter_column("officer", existing_type=_TEXT(length=128), nullable=False)
        batch_op.alter_column("authority", existing_type=_TEXT(length=200), nullable=False)
        batch_op.drop_column("requester")
        batch_op.drop_column("kind")
