"""exercises: the exercise record, and the exercise id of what an exercise creates

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each table an exercise writes to; its rows keep the exercise's id (NULL: the real watch).
_MARKED = ("raw_alarms", "alarms", "incidents", "crises", "crisis_log")
_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "exercises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario", _TEXT(length=128), nullable=False),
        sa.Column("title", _TEXT(length=256), nullable=False),
        sa.Column("started_by", _TEXT(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", _TEXT(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_exercises_started_at", "exercises", ["started_at"])
    for table in _MARKED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("exercise_id", sa.Integer(), nullable=True))
            batch_op.create_index(f"ix_{table}_exercise_id", ["exercise_id"])
    # The title travels with the alarm and the incident (it never changes): a console, a wall
    # and the cluster's events show the EXERCICE mark without looking the exercise up.
    for table in ("alarms", "incidents"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("exercise_title", _TEXT(length=256), nullable=True))


def downgrade() -> None:
    for table in ("incidents", "alarms"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("exercise_title")
    for table in reversed(_MARKED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_exercise_id")
            batch_op.drop_column("exercise_id")
    op.drop_index("ix_exercises_started_at", table_name="exercises")
    op.drop_table("exercises")
