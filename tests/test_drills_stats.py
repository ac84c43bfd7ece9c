"""Drill statistics on a fixed clock: forecast, heatmap, streak, true retention, modules."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from conftest import NOW
from gocoach.drills.reviews import record_rating
from gocoach.drills.stats import drill_stats, streak, true_retention
from gocoach.store.tables import ReviewLogEntry, User
from question_fixtures import load_small_track


@pytest.fixture
def bank(session: Session, user: User, tmp_path: Path) -> Session:
    load_small_track(session, tmp_path / "track", NOW)
    return session


def rate(session: Session, user: User, ref: str, rating: int, days: float) -> None:
    record_rating(session, user=user, ref=ref, rating=rating, now=NOW + timedelta(days=days),
                  duration_ms=1000)


def test_forecast_heatmap_and_streak(bank: Session, user: User) -> None:
    for day in (-3, -2, -1, 0):
        rate(bank, user, "chan-select", 3, day)
    rate(bank, user, "err-context", 3, 0)
    stats = drill_stats(bank, user=user, now=NOW)
    assert stats.heatmap[NOW.date()] == 2 and stats.heatmap[(NOW - timedelta(days=3)).date()] == 1
    assert stats.streak == 4 and stats.reviews_today == 2 and stats.total_reviews == 5
    assert len(stats.forecast) == 30 and stats.forecast[0][0] == NOW.date()
    assert sum(n for _, n in stats.forecast) == 2  # both cards are due within 30 days
    assert stats.forecast[0][1] == 1  # err-context: learning, due in 10 minutes


def test_streak_counts_up_to_yesterday_when_today_is_empty() -> None:
    today = NOW.date()
    days = {today - timedelta(days=n) for n in (1, 2, 3, 5)}
    assert streak(days, today) == 3
    assert streak(days | {today}, today) == 4 and streak(set(), today) == 0


def test_true_retention_counts_first_reviews_of_mature_cards_per_day(bank: Session,
                                                                     user: User) -> None:
    for ref in ("chan-buffered", "chan-select", "err-context"):
        rate(bank, user, ref, 3, 0)
    bank.execute(update(ReviewLogEntry).values(stability_before=30.0))  # pretend: mature
    rate(bank, user, "chan-buffered", 1, 40)  # mature, Again: fails
    rate(bank, user, "chan-buffered", 3, 40.01)  # same day: not counted
    rate(bank, user, "chan-select", 3, 40)
    bank.execute(update(ReviewLogEntry).where(ReviewLogEntry.reviewed_at > NOW)
                 .values(stability_before=30.0))
    value, count = true_retention(bank, user=user, since=NOW + timedelta(days=30))
    assert (value, count) == (0.5, 2)
    stats = drill_stats(bank, user=user, now=NOW + timedelta(days=41))
    assert stats.true_retention == 0.5 and stats.retention_reviews == 2
    assert true_retention(bank, user=user, since=None) == (4 / 5, 5)


def test_module_progress(bank: Session, user: User) -> None:
    rate(bank, user, "chan-buffered", 3, 0)
    rate(bank, user, "chan-buffered", 4, 1)
    modules = {m.number: m for m in drill_stats(bank, user=user, now=NOW + timedelta(days=2))
               .modules}
    chan, err = modules["01"], modules["03"]
    assert (chan.cards, chan.seen, chan.mastered) == (6, 1, 0)
    assert 0.9 < chan.retrievability <= 1.0 and chan.mastered_share == 0.0
    assert (err.cards, err.seen, err.retrievability) == (3, 0, 0.0)
    assert chan.title == "Горутины и каналы"


def test_the_streak_counts_study_days_in_the_users_zone(bank: Session, user: User) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from gocoach.drills.stats import study_streak
    from gocoach.plans.timelog import log_time

    moscow = ZoneInfo("Europe/Moscow")  # UTC+3
    for moment in (datetime(2026, 11, 18, 21, 30, tzinfo=UTC),  # Moscow: the 19th, 00:30
                   datetime(2026, 11, 21, 6, 0, tzinfo=UTC)):  # Moscow: the 21st, 09:00
        record_rating(bank, user=user, ref="chan-select", rating=3, now=moment, duration_ms=1000)
    now = datetime(2026, 11, 21, 20, 30, tzinfo=UTC)
    assert study_streak(bank, user=user, now=now, zone=moscow) == 1  # the 20th is missing
    # drill minutes are filed under the UTC day (the 20th): they are not a day of study
    log_time(bank, user=user, minutes=5, source="drill", now=now, day=now.date() - timedelta(1))
    assert study_streak(bank, user=user, now=now, zone=moscow) == 1
    log_time(bank, user=user, minutes=30, source="manual", now=now, day=now.date() - timedelta(1))
    assert study_streak(bank, user=user, now=now, zone=moscow) == 3  # the 19th, 20th, 21st
    assert study_streak(bank, user=user, now=now, zone=UTC) == 2  # in UTC the 19th is empty
    stats = drill_stats(bank, user=user, now=now, zone=moscow)
    assert stats.streak == 3
