"""neutral addresses, people, conversations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 15:20:00.000000

Cards and sent messages were addressed the Slack way (a channel and a message id); now each
platform keeps its own address as JSON, which the core does not read. Rows already there
become {"conversation": <channel>, "message": <id>}, which Slack and the console read.
Triage cards were keyed `triage:<request>`, when only Slack had a triage channel; each
platform with one now has its own card, `triage:<platform>:<request>`.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BATCH = 1000
# The two tables as this migration sees them, old columns and new.
_CARDS = sa.table(
    "cards",
    sa.column("card_key", sa.String),
    sa.column("platform", sa.String),
    sa.column("channel", sa.String),
    sa.column("message_id", sa.String),
    sa.column("address", sa.JSON),
)
_OUTBOX = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("message_ref", sa.String),
    sa.column("sent_to", sa.JSON),
    sa.column("card_key", sa.String),
    sa.column("platform", sa.String),
)


def _address(channel: str, message: str) -> dict[str, str]:
    return {"conversation": channel, "message": message}


def _write(bind: sa.Connection, table: sa.TableClause, key: str, column: str, rows: list) -> None:
    """Sets `column` to each row's value, by `key`, a batch of rows per statement."""
    statement = (
        table.update()
        .where(table.c[key] == sa.bindparam("row_key"))
        .values({column: sa.bindparam("row_value")})
    )
    for start in range(0, len(rows), _BATCH):
        bind.execute(
            statement,
            [{"row_key": k, "row_value": v} for k, v in rows[start : start + _BATCH]],
        )


def upgrade() -> None:
    bind = op.get_bind()
    cards, outbox = _CARDS, _OUTBOX
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.JSON(), nullable=True))
    found = bind.execute(sa.select(cards.c.card_key, cards.c.channel, cards.c.message_id)).all()
    _write(bind, cards, "card_key", "address", [(k, _address(c, m)) for k, c, m in found])
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.alter_column("address", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("channel")
        batch_op.drop_column("message_id")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_to", sa.JSON(), nullable=True))
    sent = bind.execute(
        sa.select(outbox.c.id, outbox.c.message_ref).where(outbox.c.message_ref.is_not(None))
    ).all()
    # Sent messages were recorded as "<channel>/<message id>".
    _write(
        bind, outbox, "id", "sent_to", [(i, _address(*ref.partition("/")[::2])) for i, ref in sent]
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("message_ref")

    # triage:<request> -> triage:<platform>:<request>, in both tables.
    for table in (cards, outbox):
        old = table.c.card_key.like("triage:%") & ~table.c.card_key.like("triage:%:%")
        bind.execute(
            table.update()
            .where(old)
            .values(
                card_key=sa.literal("triage:")
                + table.c.platform
                + sa.literal(":")
                + sa.func.substr(table.c.card_key, 8)
            )
        )

    op.create_table(
        "people",
        sa.Column("identity", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("name_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unreachable_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("identity"),
    )
    op.create_table(
        "conversations",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("conversations")
    op.drop_table("people")
    bind = op.get_bind()
    cards = _CARDS
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.String(200), nullable=True))
    for key, address in bind.execute(sa.select(cards.c.card_key, cards.c.address)).all():
        bind.execute(
            cards.update()
            .where(cards.c.card_key == key)
            .values(
                channel=str(address.get("conversation", "")),
                message_id=str(address.get("message", "")),
            )
        )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_column("address")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_ref", sa.String(200), nullable=True))
        batch_op.drop_column("sent_to")
