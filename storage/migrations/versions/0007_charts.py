"""charts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 22:30:00.000000

Charts a card shows by address (Teams fetches a card's images itself), served at
`/charts/<token>.png` and deleted by housekeeping after CXBOT_KEEP_DAYS.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "charts",
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token"),
    )
    # Housekeeping finds old charts by age.
    op.create_index("ix_charts_created_at", "charts", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_charts_created_at", table_name="charts")
    op.drop_table("charts")
