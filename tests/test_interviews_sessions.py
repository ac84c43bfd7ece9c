"""Mock interview sessions on a database with the shipped track: selection, answers, ratings,
resume after a day, scorecard, history, export, time log."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import NOW
from gocoach.interviews.checking import AnswerError
from gocoach.interviews.scorecard import (
    build_scorecard,
    interview_history,
    scorecard_markdown,
    trend_line,
)
from gocoach.interviews.selection import Candidate, FollowUpOption, pick_followups, pick_questions
from gocoach.interviews.sessions import (
    InterviewOptions,
    abandon_interview,
    answer_followup,
    current_answer,
    elapsed_ms,
    followup_options,
    get_question,
    is_stale,
    rate_answer,
    rate_followup,
    resume_interview,
    session_answers,
    set_tick,
    start_interview,
    submit_answer,
)
from gocoach.questions.bank import load_track
from gocoach.store.tables import DrillCard, InterviewSession, TimeEntry, User

TRACK = Path(__file__).resolve().parents[1] / "content" / "tracks" / "go-core"


class FakeReviews:
    """A test double of the review/card contract that records what it is told."""

    def __init__(self, retrievability: dict[str, float] | None = None) -> None:
        self.ratings: list[dict[str, Any]] = []
        self.known = retrievability or {}

    def record_rating(self, session: Session, *, user: User, ref: str, rating: int,
                      now: datetime, duration_ms: int, source: str = "drill",
                      expected_version: int | None = None) -> None:
        self.ratings.append({"ref": ref, "rating": rating, "source": source,
                             "duration_ms": duration_ms})

    def retrievability(self, session: Session, *, user: User, refs: list[str],
                       now: datetime) -> dict[str, float]:
        return {ref: self.known.get(ref, 0.0) for ref in refs}


@pytest.fixture
def bank(session: Session, user: User) -> Session:
    load_track(session, TRACK, now=NOW)
    return session


def start(session: Session, user: User, reviews: Any = None, **options: Any) -> InterviewSession:
    return start_interview(session, user=user, options=InterviewOptions(**options), now=NOW,
                           rng=random.Random(7), reviews=reviews)


CANDIDATES = [Candidate(f"q{i}", f"0{i % 3}", ("middle", "senior", "architect")[i % 3], 1 + i % 5)
              for i in range(30)]


def test_selection_never_repeats_and_keeps_to_modules() -> None:
    picked = pick_questions(CANDIDATES, level="senior", modules=["01"], count=50, weakness={},
                            rng=random.Random(1))
    assert len(picked) == len(set(picked)) == 10
    assert all(c.module == "01" for c in CANDIDATES if c.qid in picked)


def test_selection_leans_to_level_frequency_and_weak_spots() -> None:
    levels: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    by_id = {c.qid: c for c in CANDIDATES}
    for seed in range(300):
        for qid in pick_questions(CANDIDATES, level="architect", modules=[], count=5,
                                  weakness={"q5": 1.0}, rng=random.Random(seed)):
            levels[by_id[qid].level] += 1
            weak[qid] += 1
    assert levels["architect"] > levels["senior"] > levels["middle"]
    assert weak["q5"] > weak["q20"]  # same level and freq; q5 is a weak spot
    with pytest.raises(ValueError, match="unknown level 'guru'"):
        pick_questions(CANDIDATES, level="guru", modules=[], count=1, weakness={},
                       rng=random.Random(1))


def test_followups_prefer_what_was_missed() -> None:
    options = [FollowUpOption("q/1", "Что такое GOMAXPROCS?", "Число P."),
               FollowUpOption("q/2", "Как растёт стек горутины?", "Копированием вдвое."),
               FollowUpOption("q/3", "Что такое work stealing?", "Кража половины очереди.")]
    assert pick_followups(options, ["Стек растёт копированием"]) == ["q/2", "q/1"]
    assert pick_followups(options, []) == ["q/1", "q/2"]


def test_a_typed_session_from_start_to_scorecard(bank: Session, user: User) -> None:
    reviews = FakeReviews()
    interview = start(bank, user, reviews, level="senior", minutes=10, modules=("01",))
    assert interview.state == "open" and len(interview.plan) == 2
    first = current_answer(bank, interview)
    assert first is not None and first.qid == interview.plan[0]
    question = get_question(bank, first.qid)
    answer = submit_answer(bank, user=user, interview=interview, text=question.key_points[0],
                           now=NOW + timedelta(seconds=90))
    assert answer.duration_ms == 90_000 and 0 in answer.check["covered"]
    options = {o.fid for o in followup_options(bank, first.qid)}
    assert len(answer.followups) == min(2, len(options)) >= 1  # two of this question's own
    assert set(answer.followups) <= options
    follow = answer_followup(bank, user=user, interview=interview, fid=answer.followups[0],
                             text="не уверен, что-то про рантайм", now=NOW + timedelta(minutes=2))
    assert follow.kind == "followup" and follow.parent_id == answer.id
    second = rate_answer(bank, user=user, interview=interview, rating=3,
                         now=NOW + timedelta(minutes=3), reviews=reviews)
    assert second is not None and second.qid == interview.plan[1] != first.qid
    assert reviews.ratings == [{"ref": first.qid, "rating": 3, "source": "interview",
                                "duration_ms": 90_000}]
    assert rate_answer(bank, user=user, interview=interview, rating=None,
                       now=NOW + timedelta(minutes=4), reviews=reviews) is None
    assert interview.state == "finished" and interview.summary["questions"] == 2
    card = build_scorecard(bank, interview)
    assert [r.rating for r in card.rows] == [3, None] and card.rows[1].skipped
    assert card.rows[0].covered >= 1 and card.rows[0].seconds == 90
    assert card.modules[0].number == "01" and card.verdict in ("ready", "almost", "not_yet")
    entry = bank.scalars(select(TimeEntry).where(TimeEntry.source == "interview")).one()
    assert entry.ref == f"interview:{interview.id}" and entry.minutes >= 1


def test_ratings_reach_the_real_spaced_repetition_store(bank: Session, user: User) -> None:
    from gocoach.interviews.sessions import default_reviews

    interview = start(bank, user, level="middle", minutes=10)
    row = current_answer(bank, interview)
    assert row is not None
    rate_answer(bank, user=user, interview=interview, rating=2, now=NOW, reviews=default_reviews())
    card = bank.scalars(select(DrillCard).where(DrillCard.ref == row.qid)).one()
    assert card.user_id == user.id and card.reps == 1


def test_follow_up_ratings_feed_their_own_cards_once(bank: Session, user: User) -> None:
    from gocoach.interviews.sessions import default_reviews

    interview = start(bank, user, level="senior", minutes=10, modules=("01",))
    row = current_answer(bank, interview)
    assert row is not None
    question = get_question(bank, row.qid)
    answer = submit_answer(bank, user=user, interview=interview, text=question.key_points[0],
                           now=NOW + timedelta(seconds=30))
    fid, other = answer.followups[0], answer.followups[-1]
    with pytest.raises(LookupError, match="has no answer"):
        rate_followup(bank, user=user, interview=interview, fid=fid, rating=3, now=NOW,
                      reviews=default_reviews())
    answer_followup(bank, user=user, interview=interview, fid=fid, text="про рантайм",
                    now=NOW + timedelta(seconds=50))
    with pytest.raises(ValueError, match="not 5"):
        rate_followup(bank, user=user, interview=interview, fid=fid, rating=5, now=NOW,
                      reviews=default_reviews())
    rated = rate_followup(bank, user=user, interview=interview, fid=fid, rating=2,
                          now=NOW + timedelta(minutes=1), reviews=default_reviews())
    assert rated.rating == 2 and rated.duration_ms == 20_000
    card = bank.scalars(select(DrillCard).where(DrillCard.ref == fid)).one()
    assert card.kind == "followup" and card.reps == 1 and card.user_id == user.id
    with pytest.raises(ValueError, match="already rated"):
        rate_followup(bank, user=user, interview=interview, fid=fid, rating=4,
                      now=NOW + timedelta(minutes=2), reviews=default_reviews())
    assert bank.scalars(select(DrillCard).where(DrillCard.ref == fid)).one().reps == 1
    if other != fid:  # an unanswered follow-up has no card
        assert bank.scalars(select(DrillCard).where(DrillCard.ref == other)).first() is None
    rate_answer(bank, user=user, interview=interview, rating=3, now=NOW + timedelta(minutes=3),
                reviews=default_reviews())
    with pytest.raises(LookupError):  # the question moved on: its follow-ups are closed
        rate_followup(bank, user=user, interview=interview, fid=other, rating=3,
                      now=NOW + timedelta(minutes=4), reviews=default_reviews())
    card_rows = build_scorecard(bank, interview).rows
    assert [f.rating for f in card_rows[0].followups] == [2]
    assert "про рантайм _(rated hard)_" in scorecard_markdown(build_scorecard(bank, interview))


def test_bad_answers_are_refused_or_cut_and_nothing_is_lost(bank: Session, user: User) -> None:
    interview = start(bank, user, minutes=30)
    with pytest.raises(AnswerError, match="the answer is empty"):
        submit_answer(bank, user=user, interview=interview, text="  \n ", now=NOW)
    assert current_answer(bank, interview) is not None  # still waiting for an answer
    row = submit_answer(bank, user=user, interview=interview, text="канал " * 20_000, now=NOW)
    assert len(row.answer_text) == 20_000 and row.original_chars == 119_999
    assert "only the first 20,000" in row.check["notes"][0]


def test_an_answer_in_another_alphabet_is_kept_unchecked(bank: Session, user: User) -> None:
    interview = start(bank, user, minutes=30)
    row = submit_answer(bank, user=user, interview=interview, text="Γκορουτίνα είναι νήμα",
                        now=NOW)
    assert row.check["verdict"] == "unchecked" and row.answer_text == "Γκορουτίνα είναι νήμα"


def test_a_session_left_open_for_a_day_resumes_without_counting_the_night(
        bank: Session, user: User) -> None:
    interview = start(bank, user, minutes=30)
    submit_answer(bank, user=user, interview=interview, text="горутина это функция рантайма",
                  now=NOW + timedelta(minutes=1))
    rate_answer(bank, user=user, interview=interview, rating=3, now=NOW + timedelta(minutes=2))
    tomorrow = NOW + timedelta(days=1)
    assert is_stale(interview, tomorrow)
    resumed = resume_interview(bank, user=user, interview=interview, now=tomorrow)
    assert elapsed_ms(bank, interview, tomorrow + timedelta(seconds=30)) == 90_000
    assert resumed.position == 1
    kept = [a for a in session_answers(bank, interview) if a.answer_text]
    assert kept[0].answer_text == "горутина это функция рантайма" and kept[0].rating == 3


def test_time_running_out_finishes_the_session(bank: Session, user: User) -> None:
    interview = start(bank, user, minutes=10)
    submit_answer(bank, user=user, interview=interview, text="не знаю про каналы",
                  now=NOW + timedelta(minutes=11))
    assert rate_answer(bank, user=user, interview=interview, rating=1,
                       now=NOW + timedelta(minutes=11)) is None
    assert interview.state == "finished"


def test_abandoned_session_refuses_answers(bank: Session, user: User) -> None:
    interview = start(bank, user, minutes=15)
    abandon_interview(bank, user=user, interview=interview, now=NOW)
    assert current_answer(bank, interview) is None
    with pytest.raises(ValueError, match="is abandoned"):
        submit_answer(bank, user=user, interview=interview, text="что-то", now=NOW)


def test_interviewer_ticks_decide_coverage(bank: Session, user: User) -> None:
    interview = start(bank, user, minutes=10, interviewer=True)
    set_tick(bank, user=user, interview=interview, index=0, on=True, now=NOW)
    set_tick(bank, user=user, interview=interview, index=2, on=True, now=NOW)
    set_tick(bank, user=user, interview=interview, index=2, on=False, now=NOW)
    with pytest.raises(ValueError, match="key point 10 does not exist"):
        set_tick(bank, user=user, interview=interview, index=9, on=True, now=NOW)
    rate_answer(bank, user=user, interview=interview, rating=4, now=NOW + timedelta(minutes=4))
    row = build_scorecard(bank, interview).rows[0]
    assert row.covered == 1 and row.total >= 3 and row.rating == 4 and row.seconds == 240


def test_unknown_choices_have_clear_messages(bank: Session, user: User) -> None:
    with pytest.raises(ValueError, match="unknown module"):
        start(bank, user, modules=("99",))
    with pytest.raises(ValueError, match="5 to 180 minutes"):
        start(bank, user, minutes=1)
    with pytest.raises(ValueError, match="unknown level"):
        start(bank, user, level="junior")


def test_history_trend_and_markdown_export(bank: Session, user: User) -> None:
    for rating in (1, 4):
        interview = start(bank, user, minutes=10)
        for _ in interview.plan:
            submit_answer(bank, user=user, interview=interview, text="горутины и каналы",
                          now=NOW)
            rate_answer(bank, user=user, interview=interview, rating=rating, now=NOW)
    history = interview_history(bank, user=user)
    assert len(history) == 2 and history[1].overall > history[0].overall
    assert "since the previous session" in trend_line(history) and "+" in trend_line(history)
    text = scorecard_markdown(build_scorecard(bank, interview))
    first_title = get_question(bank, interview.plan[0]).title
    assert text.startswith("# Mock interview — Senior, 10 min")
    assert f"| 1 | {first_title} |" in text and "> горутины и каналы" in text
