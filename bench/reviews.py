"""Drill speed on a big collection: 10,000 cards, 200,000 review-log rows (SQLite, temp folder).

Prints the server time to fetch the next due card and to record a rating (target ≤ 10 ms each,
each in its own transaction, as a web request does), and the time to load the whole track
(target ≤ 1 s): every card's front/back with the user's recall chance, and the statistics page.
Also the time to load the shipped Go Core track from disk. Figures only, no assertions.

    .venv/bin/python bench/reviews.py
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from gocoach.drills.queue import next_card
from gocoach.drills.reviews import record_rating, retrievability
from gocoach.drills.stats import drill_stats
from gocoach.questions.bank import load_track
from gocoach.questions.faces import all_card_faces
from gocoach.startup import Database, open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import (
    DrillCard,
    FollowUpQuestion,
    Question,
    QuestionModule,
    QuestionTrack,
    ReviewLogEntry,
)
from gocoach.store.users import ensure_local_user

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
QUESTIONS, FOLLOWUPS_EACH, LOGS = 2500, 3, 200_000
SECTIONS = {name: f"{name}: текст ответа с `кодом` и пояснениями. " * 8 for name in (
    "Зачем спрашивают", "Короткий ответ", "Детальный разбор", "Пример", "Типичные ошибки",
    "На интервью")}


def build_bank(session: Session) -> None:
    """2,500 questions in 14 modules with 3 follow-ups each: 10,000 cards."""
    track = QuestionTrack(slug="bench", title="Bench", focus="", stats={}, loaded_at=NOW)
    session.add(track)
    session.flush()
    for n in range(14):
        session.add(QuestionModule(track_id=track.id, number=f"{n:02d}", slug=f"{n:02d}-m",
                                   title=f"Module {n}", position=n))
    session.execute(insert(Question), [
        {"qid": f"q-{i}", "track_id": track.id, "module_number": f"{i % 14:02d}",
         "position": i, "title": f"Вопрос номер {i} про каналы и горутины?", "level": "senior",
         "freq": 1 + i % 5, "tags": ["channels"], "sections": SECTIONS,
         "key_points": ["Первый пункт.", "Второй пункт.", "Третий пункт."], "mistakes": [],
         "source_file": "", "source_line": 0, "search_stems": "вопрос номер канал горутин",
         "retired": False, "updated_at": NOW} for i in range(QUESTIONS)])
    session.execute(insert(FollowUpQuestion), [
        {"fid": f"q-{i}/{j:08x}", "qid": f"q-{i}", "position": j,
         "question": f"Уточнение {j} к вопросу {i}?", "answer": "Ответ в пару предложений.",
         "search_stems": "уточнен ответ", "retired": False}
        for i in range(QUESTIONS) for j in range(FOLLOWUPS_EACH)])


def build_history(session: Session, user_id: int, rng: random.Random) -> None:
    """A card for every ref and 20 log rows per card over the past year."""
    refs = [(f"q-{i}", "question", i) for i in range(QUESTIONS)] + [
        (f"q-{i}/{j:08x}", "followup", i) for i in range(QUESTIONS) for j in range(FOLLOWUPS_EACH)]
    session.execute(insert(DrillCard), [
        {"user_id": user_id, "ref": ref, "kind": kind, "module_number": f"{i % 14:02d}",
         "state": 2, "step": None, "stability": rng.uniform(1, 200),
         "difficulty": rng.uniform(1, 10), "due": NOW + timedelta(hours=rng.uniform(-240, 2400)),
         "last_review": NOW - timedelta(days=rng.uniform(0, 30)), "reps": 20, "lapses": 1,
         "version": 20, "created_at": NOW - timedelta(days=365)} for ref, kind, i in refs])
    card_ids = list(range(1, len(refs) + 1))
    for start in range(0, LOGS, 20_000):
        session.execute(insert(ReviewLogEntry), [
            {"user_id": user_id, "card_id": (card := rng.choice(card_ids)),
             "ref": refs[card - 1][0], "rating": rng.choice((1, 3, 3, 3, 4)),
             "reviewed_at": NOW - timedelta(minutes=rng.uniform(1, 525_600)),
             "duration_ms": rng.randint(2000, 30000), "source": "drill", "state_before": 2,
             "stability_before": rng.uniform(1, 100), "previous": None}
            for _ in range(start, min(LOGS, start + 20_000))])


def timed(runs: int, action: Callable[[int], object]) -> list[float]:
    """Milliseconds of each run of `action(i)`."""
    times = []
    for i in range(runs):
        started = time.perf_counter()
        action(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(name: str, times: list[float], target_ms: float) -> None:
    """One line: median and p90, and the median's share of the target."""
    median = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
    print(f"{name:<44} median {median:8.2f} ms  p90 {p90:8.2f} ms  "
          f"target {target_ms:6.0f} ms  ratio {median / target_ms:5.2f}")


def measure(database: Database) -> None:
    """Time the four operations, each in its own transaction."""
    def fetch(_: int) -> object:
        with transaction(database.sessions) as session:
            return next_card(session, user=ensure_local_user(session, now=NOW), now=NOW)

    def rate(i: int) -> object:
        with transaction(database.sessions) as session:
            user = ensure_local_user(session, now=NOW)
            entry = next_card(session, user=user, now=NOW)
            assert entry is not None
        started = time.perf_counter()
        with transaction(database.sessions) as session:
            user = ensure_local_user(session, now=NOW)
            record_rating(session, user=user, ref=entry.ref, rating=3,
                          now=NOW + timedelta(seconds=i), duration_ms=5000,
                          expected_version=entry.version)
        rated.append((time.perf_counter() - started) * 1000)
        return None

    def whole_track(_: int) -> object:
        with transaction(database.sessions) as session:
            user = ensure_local_user(session, now=NOW)
            faces = all_card_faces(session)
            return retrievability(session, user=user, refs=[f.ref for f in faces], now=NOW)

    def stats(_: int) -> object:
        with transaction(database.sessions) as session:
            return drill_stats(session, user=ensure_local_user(session, now=NOW), now=NOW)

    rated: list[float] = []
    report("next due card (10k cards, 200k logs)", timed(200, fetch), 10)
    timed(200, rate)
    report("record a rating (incl. commit)", rated, 10)
    report("whole track: 10k cards + recall chance", timed(5, whole_track), 1000)
    report("statistics page data (drill_stats)", timed(5, stats), 1000)


def measure_content_load(root: Path) -> None:
    """Time loading the shipped track from disk (parse, check, write, index)."""
    track = Path(__file__).resolve().parents[1] / "content" / "tracks" / "go-core"
    database, _ = open_database(load_settings(data_dir=root / "content", load_bundled=False))

    def load(_: int) -> object:
        with transaction(database.sessions) as session:
            return load_track(session, track, now=NOW)

    report("load the shipped Go Core track from disk", timed(3, load), 1000)
    database.engine.dispose()


def main() -> None:
    """Build the collection in a temporary folder and print the figures."""
    with tempfile.TemporaryDirectory() as folder:
        database, _ = open_database(load_settings(data_dir=Path(folder), load_bundled=False))
        started = time.perf_counter()
        with transaction(database.sessions) as session:
            user = ensure_local_user(session, now=NOW)
            build_bank(session)
            build_history(session, user.id, random.Random(42))
        print(f"built 10,000 cards and {LOGS:,} review-log rows in "
              f"{time.perf_counter() - started:.1f} s")
        measure(database)
        database.engine.dispose()
        measure_content_load(Path(folder))


if __name__ == "__main__":
    main()
