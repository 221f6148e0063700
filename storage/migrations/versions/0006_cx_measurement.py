"""cx measurement: honest survey counts, attribution, follow-ups, the quarterly pulse

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 22:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_WHEN = storage.types.UTCDateTime(timezone=True)


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("surveys") as table:
        table.add_column(sa.Column("comment_at", _WHEN, nullable=True))
        table.add_column(sa.Column("skipped", _text(16), nullable=True))
        table.add_column(
            sa.Column("anonymous", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        table.add_column(sa.Column("answered_at", _WHEN, nullable=True))
        table.add_column(sa.Column("reminded_at", _WHEN, nullable=True))
        table.add_column(sa.Column("closed_at", _WHEN, nullable=True))
        table.create_index("ix_surveys_sent_at", ["sent_at"])
        table.create_index("ix_surveys_closed_closes", ["closed_at", "closes_at"])
    # Surveys answered before this version: answered when first rated. Surveys already past
    # their closing time are closed, so the expiry job does not announce them all at once.
    op.execute(
        "UPDATE surveys SET answered_at = "
        "(SELECT MIN(rated_at) FROM ratings WHERE ratings.request_id = surveys.request_id)"
    )
    op.execute("UPDATE surveys SET closed_at = closes_at WHERE closes_at <= CURRENT_TIMESTAMP")

    op.create_table(
        "survey_credits",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("technician", _text(200), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"]),
        sa.PrimaryKeyConstraint("request_id", "technician"),
    )
    op.create_index("ix_survey_credits_technician", "survey_credits", ["technician"])
    # Ratings given before this version count for whoever had the request then.
    op.execute(
        "INSERT INTO survey_credits (request_id, technician) "
        "SELECT surveys.request_id, requests.assignee FROM surveys "
        "JOIN requests ON requests.id = surveys.request_id WHERE requests.assignee IS NOT NULL"
    )

    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("state", _text(16), nullable=False),
        sa.Column("opened_at", _WHEN, nullable=False),
        sa.Column("owner", _text(200), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("resolved_at", _WHEN, nullable=True),
        sa.Column("reminded_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    op.create_index("ix_follow_ups_state_opened", "follow_ups", ["state", "opened_at"])

    op.create_table(
        "pulse_invites",
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("identity", _text(200), nullable=False),
        sa.Column("token", _text(64), nullable=False),
        sa.Column("sent_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("quarter", "identity"),
        sa.UniqueConstraint("token"),
    )
    op.create_table(
        "pulse_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("token", _text(64), nullable=False),
        sa.Column("dimension", _text(32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("rated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token", "dimension", name="uq_pulse_ratings_one_per_dimension"),
    )
    op.create_index("ix_pulse_ratings_quarter_dimension", "pulse_ratings", ["quarter", "dimension"])


def downgrade() -> None:
    op.drop_table("pulse_ratings")
    op.drop_table("pulse_invites")
    op.drop_table("follow_ups")
    op.drop_table("survey_credits")
    with op.batch_alter_table("surveys") as table:
        table.drop_index("ix_surveys_closed_closes")
        table.drop_index("ix_surveys_sent_at")
        for column in ("closed_at", "reminded_at", "answered_at", "anonymous", "skipped"):
            table.drop_column(column)
        table.drop_column("comment_at")
