"""Drill reviews reach the plan, milestones and dashboard through practice_stats.review_stats."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import NOW
from gocoach.curricula.roadmaps import import_document
from gocoach.drills.reviews import record_rating
from gocoach.reports.activity import review_stats
from gocoach.store.tables import Node, User
from question_fixtures import load_small_track

PLAN = "# Plan\n\n## Week 1\n\n- [ ] Буферизованный и небуферизованный канал\n- [ ] Docker\n"


def test_no_cards_means_no_data(session: Session, user: User) -> None:
    assert not review_stats(session, user, now=NOW).available


def test_ratings_show_up_as_due_forecast_readiness_and_item_retrievability(
        session: Session, user: User, tmp_path: Path) -> None:
    load_small_track(session, tmp_path, NOW)
    import_document(session, data=PLAN.encode(), name="plan.md", user=user, now=NOW,
                    max_bytes=1 << 20)
    record_rating(session, user=user, ref="chan-buffered", rating=3, now=NOW, duration_ms=9000)
    stats = review_stats(session, user, now=NOW + timedelta(hours=1))
    assert stats.available and stats.due_now == 1  # a new card comes back after a learning step
    assert sum(count for _, count in stats.forecast) == 1
    assert NOW.date() in stats.review_days
    module = next(m for m in stats.readiness if m.name.startswith("01"))
    assert 0 < module.readiness < 1 and module.cards > 1
    channel_item = session.scalars(select(Node.key).where(
        Node.title == "Буферизованный и небуферизованный канал")).one()
    docker_item = session.scalars(select(Node.key).where(Node.title == "Docker")).one()
    assert stats.cards_for([channel_item]) and stats.cards_for([channel_item])[0] > 0.9
    assert stats.cards_for([docker_item]) == []
