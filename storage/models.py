"""The tables. One class per table; every lookup the bot makes has an index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _when(*, index: bool = False, nullable: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, index=index, nullable=nullable)


class Request(SQLModel, table=True):
    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_requester_status", "requester", "status"),
        Index("ix_requests_assignee_status", "assignee", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True, index=True)
    requester: str = Field(max_length=200)
    title: str = Field(sa_type=Text)
    status: str = Field(max_length=32, index=True)
    assignee: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Last change the requester could see: silence is measured from here.
    public_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = _when(index=True, nullable=True)
    closed_at: datetime | None = _when(nullable=True)


class TimelineEntry(SQLModel, table=True):
    __tablename__ = "timeline"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="requests.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    text: str = Field(default="", sa_type=Text)
    status: str | None = Field(default=None, max_length=32)
    public: bool = True


class Watcher(SQLModel, table=True):
    __tablename__ = "watchers"

    request_id: int = Field(foreign_key="requests.id", primary_key=True)
    identity: str = Field(max_length=200, primary_key=True, index=True)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RoleGrant(SQLModel, table=True):
    __tablename__ = "role_grants"

    identity: str = Field(max_length=200, primary_key=True)
    role: str = Field(max_length=32, primary_key=True)
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Survey(SQLModel, table=True):
    """One per resolved request: the rating card sent, or the reason it was not."""

    __tablename__ = "surveys"
    __table_args__ = (
        Index("ix_surveys_requester_sent", "requester", "sent_at"),
        Index("ix_surveys_sent_at", "sent_at"),
        # The expiry job finds open surveys by when they close.
        Index("ix_surveys_closed_closes", "closed_at", "closes_at"),
    )

    request_id: int = Field(foreign_key="requests.id", primary_key=True)
    requester: str = Field(max_length=200)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime)
    comment: str | None = Field(default=None, sa_type=Text)
    comment_at: datetime | None = _when(nullable=True)
    # Not sent, and why ("fatigue": asked recently; "sampled": left out by the sampling
    # rate). Counted, so the response rate stays honest; None when the card went out.
    skipped: str | None = Field(default=None, max_length=16)
    # Leads see the scores and the comment, never who gave them.
    anonymous: bool = False
    # The first tap: a survey answered counts towards the response rate.
    answered_at: datetime | None = _when(nullable=True)
    reminded_at: datetime | None = _when(nullable=True)
    # Set when the card stopped taking taps: it expired, or the request was reopened.
    closed_at: datetime | None = _when(nullable=True)


class SurveyCredit(SQLModel, table=True):
    """Who worked a request, as it stood when its survey went out: the ratings are theirs,
    even if the request is reassigned later."""

    __tablename__ = "survey_credits"

    request_id: int = Field(foreign_key="requests.id", primary_key=True)
    technician: str = Field(max_length=200, primary_key=True, index=True)


class FollowUp(SQLModel, table=True):
    """A low rating (1 or 2 on any dimension), treated as an incident for the leads."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_state_opened", "state", "opened_at"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="requests.id", unique=True)
    # "open", "reaching" (a lead said they would reach out) or "resolved".
    state: str = Field(default="open", max_length=16)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    owner: str | None = Field(default=None, max_length=200)
    note: str = Field(default="", sa_type=Text)
    resolved_at: datetime | None = _when(nullable=True)
    reminded_at: datetime | None = _when(nullable=True)


class PulseInvite(SQLModel, table=True):
    """Who was asked in a quarter's pulse. The answers carry only the token, so leads (and
    the summary) never tie an answer to a person."""

    __tablename__ = "pulse_invites"

    quarter: int = Field(primary_key=True)  # e.g. 20261 for the first quarter of 2026
    identity: str = Field(max_length=200, primary_key=True)
    token: str = Field(max_length=64, unique=True)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PulseRating(SQLModel, table=True):
    __tablename__ = "pulse_ratings"
    __table_args__ = (
        UniqueConstraint("token", "dimension", name="uq_pulse_ratings_one_per_dimension"),
        Index("ix_pulse_ratings_quarter_dimension", "quarter", "dimension"),
    )

    id: int | None = Field(default=None, primary_key=True)
    quarter: int
    token: str = Field(max_length=64)
    dimension: str = Field(max_length=32)
    score: int
    rated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Rating(SQLModel, table=True):
    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("request_id", "rater", "dimension", name="uq_ratings_one_per_dimension"),
        Index("ix_ratings_rated_at_dimension", "rated_at", "dimension"),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="requests.id", index=True)
    rater: str = Field(max_length=200)
    dimension: str = Field(max_length=32)
    score: int
    rated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """A message waiting to be sent, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_due", "state", "next_attempt_at"),
        Index("ix_outbox_card_state", "card_key", "state"),
        # Housekeeping finds old sent and superseded messages through this one.
        Index("ix_outbox_state_created", "state", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    # "post" sends a new message; "upsert" updates the card in place, posting it if new.
    op: str = Field(max_length=16)
    target: str = Field(max_length=200)
    card_key: str | None = Field(default=None, max_length=64)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_until: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = _when(nullable=True)
    # Where it went: the platform's own address (see CardRef.address).
    sent_to: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class CardRef(SQLModel, table=True):
    """Where a card was posted, so it can be updated in place."""

    __tablename__ = "cards"

    card_key: str = Field(max_length=64, primary_key=True)
    platform: str = Field(max_length=16)
    # Opaque to the core, understood by the platform's delivery: "conversation" names the
    # conversation it is in (for pacing), "message" the message; a platform may add more
    # (Teams: the service URL and tenant an update must go through).
    address: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InboundEvent(SQLModel, table=True):
    """Platform events already handled, so a redelivery does nothing twice."""

    __tablename__ = "inbound_events"

    event_id: str = Field(max_length=200, primary_key=True)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class JobRun(SQLModel, table=True):
    """One period of one scheduled job, claimed by the replica that runs it.

    The primary key is the lock: whichever replica inserts (job, slot) first runs that
    period; the others find the row there and skip it.
    """

    __tablename__ = "job_runs"

    job: str = Field(max_length=64, primary_key=True)
    slot: int = Field(primary_key=True, sa_type=BigInteger)
    owner: str = Field(max_length=200)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = _when(nullable=True)
    outcome: str = Field(default="", max_length=500)


class SlackOrganisation(SQLModel, table=True):
    """A Slack workspace seen to belong to an Enterprise Grid organisation.

    Written once, in the transaction that re-keys the workspace's `slack:<team>:…`
    identities to `slack:<enterprise>:…`; the primary key makes sure that happens once.
    """

    __tablename__ = "slack_organisations"

    workspace_id: str = Field(max_length=64, primary_key=True)
    enterprise_id: str = Field(max_length=64)
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PersonRecord(SQLModel, table=True):
    """What the bot knows of a person beyond their identity: the name others see them by,
    and whether their platform can reach them."""

    __tablename__ = "people"

    identity: str = Field(max_length=200, primary_key=True)
    name: str | None = Field(default=None, max_length=200)
    name_at: datetime | None = _when(nullable=True)
    # Set when the platform said the person cannot be messaged (the app was blocked or
    # removed, or never installed); cleared when they write to the bot again.
    unreachable_at: datetime | None = _when(nullable=True)


class ConversationRecord(SQLModel, table=True):
    """How to reach a conversation later, in the platform's own terms (a Teams
    ConversationReference): a person's chat with the bot (`person:<identity>`) or a channel
    (`channel:<platform>:<id>`)."""

    __tablename__ = "conversations"

    key: str = Field(max_length=300, primary_key=True)
    platform: str = Field(max_length=16)
    reference: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChartRecord(SQLModel, table=True):
    """A chart the server serves at `/charts/<token>.png`, for cards that show it by address
    (Teams fetches a card's images itself). The token is random and long: whoever has the
    card may see the chart, nobody can guess one. Housekeeping deletes old ones."""

    __tablename__ = "charts"

    token: str = Field(max_length=64, primary_key=True)
    png: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
