"""Live room: on SQLite, an index holding the attempt columns the room polls

The live room reads, at every poll, the state, counts, times, terminal and
result of every attempt of a session. SQLite stores those columns after the
frozen form (several kilobytes), on the row's overflow pages, so reading
them for 2,000 attempts walks 2,000 overflow chains; this covering index
holds them (``ix_attempt_live_room``, declared on the model with
``ddl_if(dialect="sqlite")``). PostgreSQL keeps the form out of line (TOAST)
and would lose its HOT updates on every answer save with such an index, so
it gets none.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ["session_id", "participant_id", "state", "answered_count", "question_count", "deadline_at", "paused_at",
           "last_contact_at", "terminal_id", "total_points", "max_points", "verdict"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_attempt_live_room", "attempt", COLUMNS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_attempt_live_room", table_name="attempt")
