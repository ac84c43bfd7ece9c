"""A mock interview keeps to the chosen level: at most one question in five one level above it,
never two levels above, and it opens at the chosen level."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from conftest import NOW
from gocoach.interviews.selection import (
    ABOVE_SHARE,
    LEVELS,
    Candidate,
    above_allowed,
    levels_above,
    pick_questions,
    question_count,
)
from gocoach.interviews.sessions import InterviewOptions, start_interview
from gocoach.questions.bank import load_track
from gocoach.store.tables import Question, User
from question_fixtures import Q, write_track

TRACK = Path(__file__).resolve().parents[1] / "content" / "tracks" / "go-core"
# one module as the shipped bank has them: 4 middle, 6 senior, 2 architect, the higher levels
# asked more often, which is how a Middle session used to open with an architect question
MODULE = ([Candidate(f"m{i}", "01", "middle", 3) for i in range(4)]
          + [Candidate(f"s{i}", "01", "senior", 5) for i in range(6)]
          + [Candidate(f"a{i}", "01", "architect", 5) for i in range(2)])
LEVEL_OF = {c.qid: c.level for c in MODULE}


def test_the_share_above_is_stated_and_small() -> None:
    assert ABOVE_SHARE == 0.2
    assert [above_allowed(question_count(m)) for m in (10, 15, 30, 60)] == [0, 0, 1, 2]
    assert levels_above("architect", "middle") == 2 and levels_above("middle", "senior") == -1


@pytest.mark.parametrize("minutes", [10, 15, 30, 60])
@pytest.mark.parametrize("level", LEVELS)
def test_over_many_seeds_a_session_keeps_to_its_level(level: str, minutes: int) -> None:
    count = question_count(minutes)
    above: Counter[int] = Counter()
    for seed in range(400):
        picked = pick_questions(MODULE, level=level, modules=["01"], count=count,
                                weakness={}, rng=random.Random(seed))
        steps = [levels_above(LEVEL_OF[qid], level) for qid in picked]
        assert max(steps) <= 1, (seed, picked)  # never two levels above
        assert steps.count(1) <= above_allowed(count), (seed, picked)
        assert steps[0] <= 0, (seed, picked)  # it opens at the chosen level (or below)
        assert len(picked) == len(set(picked)) == min(count, len(
            [c for c in MODULE if levels_above(c.level, level) <= 0]) + above_allowed(count))
        above[steps.count(1)] += 1
    if level != "architect" and above_allowed(count):
        assert sum(n for k, n in above.items() if k) > 0  # allowed in a long session


def test_a_middle_session_on_the_shipped_bank(session: Session, user: User) -> None:
    load_track(session, TRACK, now=NOW)
    levels: Counter[str] = Counter()
    for seed in range(40):
        interview = start_interview(session, user=user, now=NOW, rng=random.Random(seed),
                                    options=InterviewOptions(level="middle", minutes=30))
        picked = [LEVELS.index(q) for q in _levels(session, interview.plan)]
        assert picked[0] == 0 and 2 not in picked and picked.count(1) <= 1, interview.plan
        levels.update(_levels(session, interview.plan))
    assert levels["architect"] == 0 and levels["middle"] > 5 * levels["senior"]


def _levels(session: Session, qids: list[str]) -> list[str]:
    rows = {q.qid: q.level for q in session.query(Question).filter(Question.qid.in_(qids))}
    return [rows[qid] for qid in qids]


def test_no_question_at_the_level_is_a_clear_message(session: Session, user: User,
                                                     tmp_path: Path) -> None:
    hard = {"01": ("goroutines-channels", "Горутины и каналы", [
        Q("chan-arch", "Как спроектировать конвейер на каналах?", level="architect")])}
    load_track(session, write_track(tmp_path / "track", hard), now=NOW)
    with pytest.raises(ValueError, match="no middle questions in module"):
        start_interview(session, user=user, now=NOW, rng=random.Random(1),
                        options=InterviewOptions(level="middle", minutes=30, modules=("01",)))
