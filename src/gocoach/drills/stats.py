"""Drill statistics: due forecast, review heatmap, true retention, streak, progress per module.

True retention is the share of reviews of mature cards (stability of 21 days or more before the
review) rated other than Again, counting only the first review of a card on a day — the measure
to compare with the desired retention. Drill days (forecast, heatmap, reviews today) are UTC days.

The streak is the learner's one streak, the same on the dashboard, /drill/stats, `gocoach drill
stats`: days in a row with study — a drill review, a roadmap status or note changed (not by an
import), an exercise submitted or time logged — counted in the user's time zone (GOCOACH_TIMEZONE),
up to today or, while today has nothing yet, up to yesterday.

    >>> drill_stats(session, user=user, now=now).true_retention
    0.91
    >>> study_streak(session, user=user, now=now, zone=ZoneInfo("Europe/Moscow"))
    4
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gocoach.drills.queue import day_start
from gocoach.drills.reviews import (
    MATURE_DAYS,
    as_utc,
    get_drill_settings,
    make_scheduler,
    recall_chance,
)
from gocoach.plans.calendar import setting_zone
from gocoach.store.tables import (
    DrillCard,
    FollowUpQuestion,
    ProgressEvent,
    Question,
    QuestionModule,
    ReviewLogEntry,
    Submission,
    TimeEntry,
    User,
)

FORECAST_DAYS = 30
HEATMAP_DAYS = 365
RETENTION_WINDOW = 30
STREAK_WINDOW = 400  # days of activity read back; a longer streak shows as this many


@dataclass
class ModuleStats:
    """One module: its cards, how many the user has seen and mastered, mean recall chance."""

    number: str
    title: str
    cards: int = 0
    seen: int = 0
    mastered: int = 0
    retrievability: float = 0.0

    @property
    def mastered_share(self) -> float:
        """Mastered cards (stability ≥ 21 days) as a share of all the module's cards."""
        return self.mastered / self.cards if self.cards else 0.0


@dataclass
class DrillStats:
    """Everything the statistics page and `gocoach drill stats` show."""

    today: date
    due_now: int = 0
    reviews_today: int = 0
    total_reviews: int = 0
    streak: int = 0
    true_retention: float | None = None
    retention_reviews: int = 0
    desired_retention: float = 0.9
    forecast: list[tuple[date, int]] = field(default_factory=list)
    heatmap: dict[date, int] = field(default_factory=dict)
    modules: list[ModuleStats] = field(default_factory=list)


def drill_stats(session: Session, *, user: User, now: datetime,
                zone: tzinfo | None = None) -> DrillStats:
    """The user's drill statistics at `now`; the streak's days in `zone` (default: the
    GOCOACH_TIMEZONE setting's)."""
    now = as_utc(now)
    today = now.date()
    stats = DrillStats(today=today,
                       desired_retention=get_drill_settings(session, user=user).desired_retention)
    stats.heatmap = reviews_per_day(session, user=user, since=today - timedelta(HEATMAP_DAYS - 1))
    stats.reviews_today = stats.heatmap.get(today, 0)
    stats.total_reviews = int(session.scalar(select(func.count()).select_from(ReviewLogEntry)
                                             .where(ReviewLogEntry.user_id == user.id)) or 0)
    stats.streak = study_streak(session, user=user, now=now, zone=zone)
    stats.forecast, stats.due_now = due_forecast(session, user=user, now=now)
    window = day_start(now) - timedelta(days=RETENTION_WINDOW - 1)
    stats.true_retention, stats.retention_reviews = true_retention(session, user=user,
                                                                   since=window)
    stats.modules = module_stats(session, user=user, now=now)
    return stats


def utc_day(session: Session, column: Any) -> Any:
    """SQL for the UTC date of a timestamp column (SQLite stores UTC text already)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 10)  # 'YYYY-MM-DD HH:MM:SS…' text: cheaper than date()
    return func.date(func.timezone("UTC", column))


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def reviews_per_day(session: Session, *, user: User, since: date) -> dict[date, int]:
    """Number of reviews on each UTC day from `since` (days without reviews are left out)."""
    day = utc_day(session, ReviewLogEntry.reviewed_at)
    rows = session.execute(select(day, func.count()).where(
        ReviewLogEntry.user_id == user.id,
        ReviewLogEntry.reviewed_at >= datetime.combine(since, time(0), tzinfo=UTC))
        .group_by(day)).all()
    return {_as_date(value): int(count) for value, count in rows}


def study_days(session: Session, *, user: User, since: datetime, zone: tzinfo) -> set[date]:
    """The days, in `zone`, from `since` on which the user studied: reviewed a card, changed a
    roadmap item (not by an import), submitted an exercise or logged time.

    Timestamps are grouped by UTC day in SQL with their first and last moment: the moments of
    one UTC day fall on at most two days of any zone, and the first and the last name them.
    Drill minutes in the time log are left out: they are filed under the UTC day, and the
    reviews they sum up are counted at the moment they were made.
    """
    since = as_utc(since)
    days = set(session.scalars(select(TimeEntry.day).distinct().where(
        TimeEntry.user_id == user.id, TimeEntry.source != "drill",
        TimeEntry.day >= since.astimezone(zone).date())))
    for column, owner, extra in (
            (ReviewLogEntry.reviewed_at, ReviewLogEntry.user_id, ()),
            (ProgressEvent.at, ProgressEvent.user_id, (ProgressEvent.source != "import",)),
            (Submission.created_at, Submission.user_id, ())):
        day = utc_day(session, column)
        for first, last in session.execute(
                select(func.min(column), func.max(column))
                .where(owner == user.id, column >= since, *extra).group_by(day)):
            days.update(as_utc(moment).astimezone(zone).date() for moment in (first, last))
    return days


def study_streak(session: Session, *, user: User, now: datetime,
                 zone: tzinfo | None = None) -> int:
    """The user's streak at `now`: days in a row with study (`study_days`) in `zone` (default:
    the GOCOACH_TIMEZONE setting's), up to today or, while today has none yet, yesterday."""
    zone = zone or setting_zone()
    since = as_utc(now) - timedelta(days=STREAK_WINDOW + 1)
    today = as_utc(now).astimezone(zone).date()
    return streak(study_days(session, user=user, since=since, zone=zone), today)


def streak(days: set[date], today: date) -> int:
    """Consecutive days in `days` up to today (or up to yesterday, if today is not one)."""
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def due_forecast(session: Session, *, user: User, now: datetime,
                 days: int = FORECAST_DAYS) -> tuple[list[tuple[date, int]], int]:
    """Cards due on each of the next `days` days (overdue ones count today), and due now."""
    today = now.date()
    start = day_start(now)
    rows = session.execute(select(DrillCard.due).where(
        DrillCard.user_id == user.id, DrillCard.due < start + timedelta(days=days))).scalars()
    counts: dict[date, int] = defaultdict(int)
    due_now = 0
    for due in rows:
        due = as_utc(due)
        due_now += due <= now
        counts[max(due.date(), today)] += 1
    days_ahead = [today + timedelta(i) for i in range(days)]
    return [(day, counts.get(day, 0)) for day in days_ahead], due_now


def true_retention(session: Session, *, user: User,
                   since: datetime | None) -> tuple[float | None, int]:
    """Share of first-of-the-day reviews of mature cards not rated Again; None without any."""
    log = ReviewLogEntry
    day = utc_day(session, log.reviewed_at)
    first = func.row_number().over(partition_by=(log.card_id, day),
                                   order_by=(log.reviewed_at, log.id))
    ranked = select(log.rating, log.stability_before, first.label("nth")).where(
        log.user_id == user.id)
    if since is not None:
        ranked = ranked.where(log.reviewed_at >= since)
    inner = ranked.subquery()
    total, passed = session.execute(
        select(func.count(), func.coalesce(func.sum(case((inner.c.rating != 1, 1), else_=0)), 0))
        .where(inner.c.nth == 1, inner.c.stability_before >= MATURE_DAYS)).one()
    return (int(passed) / int(total) if total else None), int(total)


def module_stats(session: Session, *, user: User, now: datetime) -> list[ModuleStats]:
    """Per module: cards in the bank, seen, mastered, mean retrievability of the seen ones."""
    modules = {m.number: ModuleStats(number=m.number, title=m.title) for m in session.scalars(
        select(QuestionModule).order_by(QuestionModule.track_id, QuestionModule.position))}
    for number, count in session.execute(
            select(Question.module_number, func.count()).where(Question.retired.is_(False))
            .group_by(Question.module_number)):
        modules.setdefault(number, ModuleStats(number, number)).cards += int(count)
    for number, count in session.execute(
            select(Question.module_number, func.count())
            .join(FollowUpQuestion, FollowUpQuestion.qid == Question.qid)
            .where(FollowUpQuestion.retired.is_(False), Question.retired.is_(False))
            .group_by(Question.module_number)):
        modules.setdefault(number, ModuleStats(number, number)).cards += int(count)
    scheduler = make_scheduler(get_drill_settings(session, user=user))
    sums: dict[str, float] = defaultdict(float)
    rows = session.execute(select(DrillCard.module_number, DrillCard.stability,
                                  DrillCard.last_review).where(DrillCard.user_id == user.id))
    for number, stability, last_review in rows:
        module = modules.setdefault(number, ModuleStats(number, number))
        module.seen += 1
        module.mastered += (stability or 0) >= MATURE_DAYS
        sums[number] += recall_chance(scheduler, stability, last_review, now)
    for number, module in modules.items():
        module.retrievability = sums[number] / module.seen if module.seen else 0.0
    return list(modules.values())
