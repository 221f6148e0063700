"""A small team's month, written straight into the tables, with the summary's answers known.

"Now" is Wednesday 17 June 2026, 12:00 UTC; the 7-day period is [10 Jun 12:00, 17 Jun 12:00)
and the one before it [3 Jun 12:00, 10 Jun 12:00). Requests resolved in the period:

| request | opened → resolved | public entries by IT | first response | regular | Speed | Comm |
| R1 (Tess) | Mon 15 09:00 → 11:00 | 09:10, 11:00 | 10 min | yes | 5 | 4 |
| R2 (Tess) | Fri 12 16:00 → Mon 15 20:00 | 16:30, Mon 10:00, 20:00 | 30 min | yes | 4 | 4 |
| R3 (Tess, Tom) | Wed 10 14:00 → Fri 12 14:00 | 15:00, Fri 14:00 | 1 h | no (47 h) | 3 | 2 |
| R4 (Tom) | Thu 11 08:00 → Tue 16 08:00 | Tue 08:00 | 120 h | no | 2 | – |

So: time to resolve 2, 48, 76, 120 h (median 62 h); first response 10, 30, 60 min, 120 h
(median 45 min); 2 of 4 regular, Speed 4.5 with regular updates and 2.5 without; Speed in the
period 5, 4, 3, 2 (3.5) against 2 and 3 before (2.5, ▲ 1.0). Tess worked 3 rated requests,
Tom 2.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.views import Card
from storage.db import Database
from storage.models import (
    FollowUp,
    PersonRecord,
    PulseRating,
    Rating,
    Request,
    RoleGrant,
    Survey,
    SurveyCredit,
    TimelineEntry,
)

NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)
TESS = "slack:T1:UTESS"
TOM = "slack:T1:UTOM"
LEE = "slack:T1:ULEE"
ANA = "slack:T1:UANA"
BOB = "slack:T1:UBOB"
HOUR = timedelta(hours=1)


def at(day: int, hour: float) -> datetime:
    return datetime(2026, 6, day, tzinfo=UTC) + timedelta(hours=hour)


async def add_request(
    db: Database,
    number: int,
    *,
    opened: datetime,
    resolved: datetime | None,
    requester: str = ANA,
    staff: tuple[str, ...] = (TESS,),
    updates: tuple[datetime, ...] = (),
    ratings: dict[str, int] | None = None,
    skipped: str | None = None,
    comment: str | None = None,
    anonymous: bool = False,
    sent: datetime | None = None,
) -> None:
    """One request, its public timeline (opened, each update by the first of `staff`, the
    resolution), its survey and credits, and the requester's ratings an hour after."""
    async with db.write() as session:
        session.add(
            Request(
                id=number, code=f"IT-{number:06d}", requester=requester, title=f"Request {number}",
                status="resolved" if resolved else "in_progress", assignee=staff[0],
                created_at=opened, updated_at=resolved or opened, public_at=resolved or opened,
                resolved_at=resolved,
            )
        )  # fmt: skip
        await session.flush()
        session.add(TimelineEntry(request_id=number, at=opened, actor=requester, kind="opened"))
        for when in updates:
            session.add(TimelineEntry(request_id=number, at=when, actor=staff[0], kind="update"))
        if resolved is None:
            return
        session.add(
            TimelineEntry(
                request_id=number, at=resolved, actor=staff[-1], kind="status", status="resolved"
            )
        )
        sent = sent or resolved
        session.add(
            Survey(
                request_id=number, requester=requester, sent_at=sent,
                closes_at=sent + 14 * 24 * HOUR,
                skipped=skipped, anonymous=anonymous,
                answered_at=sent + HOUR if ratings else None,
                comment=comment, comment_at=sent + 2 * HOUR if comment else None,
            )
        )  # fmt: skip
        if skipped is None:
            for technician in staff:
                session.add(SurveyCredit(request_id=number, technician=technician))
        for dimension, score in (ratings or {}).items():
            session.add(
                Rating(
                    request_id=number, rater=requester, dimension=dimension, score=score,
                    rated_at=sent + HOUR,
                )
            )  # fmt: skip


async def a_team_month(
    db: Database,
    *,
    tess: str = TESS,
    tom: str = TOM,
    ana: str = ANA,
    bob: str = BOB,
    lee: str = LEE,
) -> None:
    """The requests in the table above, two rated before the period, and the people (each
    identity may be given, for a platform's own)."""
    await add_request(
        db, 1, opened=at(15, 9), resolved=at(15, 11), updates=(at(15, 9 + 1 / 6),),
        ratings={"speed": 5, "communication": 4}, comment="Quick and kind", requester=ana,
        staff=(tess,),
    )  # fmt: skip
    await add_request(
        db, 2, opened=at(12, 16), resolved=at(15, 20), updates=(at(12, 16.5), at(15, 10)),
        ratings={"speed": 4, "communication": 4}, requester=bob, comment="Slow start",
        anonymous=True, staff=(tess,),
    )  # fmt: skip
    await add_request(
        db, 3, opened=at(10, 14), resolved=at(12, 14), updates=(at(10, 15),),
        staff=(tess, tom), ratings={"speed": 3, "communication": 2}, requester=ana,
    )  # fmt: skip
    await add_request(
        db, 4, opened=at(11, 8), resolved=at(16, 8), staff=(tom,), ratings={"speed": 2},
        requester=ana,
    )  # fmt: skip
    # Before the period: Speed 2 and 3.
    for number, day in ((5, 4), (6, 6)):
        await add_request(
            db, number, opened=at(day, 9), resolved=at(day + 1, 9), requester=ana,
            staff=(tess,), ratings={"speed": number - 3},
        )  # fmt: skip
    async with db.write() as session:
        for identity, name in ((tess, "Tess Smith"), (tom, "Tom Baker"), (ana, "Ana Lopez"),
                               (bob, "Bob Stone"), (lee, "Lee Park")):  # fmt: skip
            session.add(PersonRecord(identity=identity, name=name))
        for identity, role in ((tess, "technician"), (tom, "technician"), (lee, "lead")):
            session.add(RoleGrant(identity=identity, role=role))


async def follow_ups(db: Database) -> None:
    """Open follow-ups on R3 (opened Fri 12) and R4 (Tue 16); R1's is resolved."""
    async with db.write() as session:
        session.add(FollowUp(request_id=3, state="open", opened_at=at(12, 15)))
        session.add(FollowUp(request_id=4, state="reaching", opened_at=at(16, 9)))
        session.add(FollowUp(request_id=1, state="resolved", opened_at=at(15, 12)))


async def pulse(db: Database) -> None:
    """Q2 2026: Communication 4 and 2, Quality 5; Q1 2026: Communication 1."""
    async with db.write() as session:
        for quarter, token, dimension, score in (
            (20262, "a", "communication", 4), (20262, "b", "communication", 2),
            (20262, "a", "quality", 5), (20261, "c", "communication", 1),
        ):  # fmt: skip
            session.add(PulseRating(quarter=quarter, token=token, dimension=dimension, score=score))


def sample_cards() -> dict[str, Card]:
    """Every shape of the summary cards, for the renderers' tests."""
    from bot.cx import summary_cards as cards
    from bot.cx.chart import weekly_chart_image
    from bot.cx.periods import Period
    from bot.cx.summary import Figures, Scope
    from storage.measured import Measured
    from storage.summary import Responses, Scores

    period = Period(NOW - timedelta(days=30), NOW, "last 30 days")
    pair = (Scores((1, 2, 3, 10, 9)), Scores((0, 2, 5, 10, 4)))
    keys = ("communication", "approachability", "speed", "knowledge", "quality")
    comment = (None, 12, "*Great* <@U123> & <!here> " + "long " * 200, None)
    full = Figures(
        period=period, scope=Scope(), scores=dict.fromkeys(keys[:4], pair),
        responses=Responses(40, 25, 6, 3),
        measured=Measured(30, 1800.0, 200_000.0, 12, (4.6, 10), (3.1, 18)),
        technicians=[(f"Technician {n}", {k: (4.1, 9) for k in keys}) for n in range(15)],
        hidden=3, follow_ups=(7, [
            ("IT-7K3QX4", "VPN <drops>", 3, NOW - timedelta(days=3)),
            (None, None, 4, NOW - timedelta(days=2)),
        ] * 2),
        comments=[comment, ("IT-7K3QX5", None, "Thanks!", "Ana Lopez")] * 3,
        pulse=(20262, {"communication": (3.9, 14), "quality": (4.4, 14)}), least=5, now=NOW,
    )  # fmt: skip
    empty = Figures(
        period=period, scope=Scope(), scores={}, responses=Responses(),
        measured=Measured(0, None, None, 0, (None, 0), (None, 0)), technicians=[], hidden=0,
        follow_ups=(0, []), comments=[], pulse=(None, {}), least=5, now=NOW,
    )  # fmt: skip
    one = replace(full, scope=Scope(TESS, "Tess Smith"), technicians=[], hidden=0)
    chart = weekly_chart_image(
        [date(2026, 5, 4) + timedelta(weeks=n) for n in range(5)],
        {k: [4.0, None, 3.5, 4.2, 4.4] for k in keys},
        title="Ratings by week",
    )
    mine = {k: pair for k in keys[:3]}
    return {
        "cx summary": cards.with_image(cards.summary_card(full), chart),
        "cx summary, empty": cards.summary_card(empty),
        "cx summary, one technician": cards.summary_card(one),
        "cx summary, too few": cards.too_few_card(one, rated=2),
        "cx-me": cards.mine_card(
            period, mine, mine, [("IT-7K3QX4", None, comment[2], None), comment], least=5
        ),
        "cx-me, too few": cards.mine_card(period, {}, mine, [], least=5),
    }
