"""Ids, positions and names csu accepts from outside, bounded by what every store and client holds.

An integer past a database column's range fails at the query (a 500 where the asker deserves a
422 naming the parameter), and a name longer than its column fails at the write. Used in request
models and in path and query parameters alike, so the OpenAPI document states every bound.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le, MaxLen

# Every id column is an INTEGER: 64 bits in SQLite, but 32 in PostgreSQL, where 2**31 failed the
# query ("integer out of range"). Also exact in the OpenAPI document's float bounds and in every
# browser's numbers, which 2**63 - 1 is not.
MAX_ROW_ID = 2**31 - 1
# Camera, wall, user, salvo, export and session names: every column that stores one holds 64.
MAX_KEY_LENGTH = 64

# The id of a stored row: an incident, a crisis, an alarm, a hold.
RowId = Annotated[int, Ge(1), Le(MAX_ROW_ID)]
# A position from 0 in a list or a search: an offset, a checklist step.
Position = Annotated[int, Ge(0), Le(MAX_ROW_ID)]
# A name or id given in a path, a filter or a body: a camera, a wall, a user, a salvo, an export.
Key = Annotated[str, MaxLen(MAX_KEY_LENGTH)]
