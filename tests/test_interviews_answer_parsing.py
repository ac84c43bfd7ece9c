"""The checker's reading of an answer: lemmas, negation both ways, opposites, lists, "не знаю"."""

from __future__ import annotations

from gocoach.interviews.checking import check_answer, find_mistakes, parse
from gocoach.interviews.evaluation import grouped_folds
from gocoach.interviews.lemmas import is_predicate, lemma
from gocoach.interviews.terms import is_opposite, term_of


def test_lemmas_and_the_glossary_join_languages() -> None:
    assert lemma("нужны") == "нужный" and is_predicate("блокирует")
    assert not is_predicate("канал")
    assert term_of("latency") == term_of("задержки")
    assert term_of("linearizability") == term_of("линеаризуемость")


def test_negation_after_the_words_it_negates() -> None:
    tokens = {t.word: t.negated for c in parse("рефлексии в рантайме нет").clauses
              for t in c.tokens}
    assert tokens == {"рефлексии": True, "рантайме": True}
    tokens = {t.word: t.negated for c in parse("confirms не нужны").clauses for t in c.tokens}
    assert tokens["confirms"]


def test_a_denial_after_the_words_is_not_the_claim() -> None:
    claims = ["Кодогенерация использует рефлексию в рантайме"]
    assert find_mistakes("кодогенерация использует рефлексию в рантайме", claims) != ()
    assert find_mistakes("кодогенерация: рефлексии в рантайме нет", claims) == ()


def test_opposite_words_contradict() -> None:
    assert is_opposite("уменьшает") and not is_opposite("увеличивает")
    said = check_answer("буфер увеличивает задержку", key_points=["Буфер увеличивает задержку"])
    opposite = check_answer("буфер уменьшает задержку", key_points=["Буфер увеличивает задержку"])
    assert said.points[0].score > opposite.points[0].score
    assert opposite.points[0].contradicted == ("уменьшает",)


def test_a_bare_list_of_terms_covers_nothing() -> None:
    points = ["errgroup = WaitGroup + первая ошибка + отмена контекста"]
    listed = check_answer("errgroup, WaitGroup, первая ошибка, context, cancel, SetLimit",
                          key_points=points)
    said = check_answer("errgroup — это WaitGroup, который возвращает первую ошибку и отменяет "
                        "контекст", key_points=points)
    assert not listed.points[0].covered and listed.ignored
    assert said.points[0].covered


def test_dont_know_cancels_its_sentence() -> None:
    points = ["Hedged requests: второй запрос после p95 задержки"]
    result = check_answer("Hedged requests — первый раз слышу, второй запрос после p95?",
                          key_points=points)
    assert not result.points[0].covered
    assert any("not counted" in note for note in result.ignored)


def test_the_summary_names_what_was_heard_missed_and_wrong() -> None:
    result = check_answer("nil канал блокирует навсегда. А чтение из закрытого канала вызывает "
                          "панику.", key_points=["nil-канал блокирует навсегда",
                                                 "Закрытие канала будит всех читателей"],
                          mistakes=["Чтение из закрытого канала вызывает панику"])
    assert result.summary.startswith("heard key points 1; missed 2")
    assert "«Чтение из закрытого канала вызывает панику»" in result.summary
    assert result.mistakes[0].words


def test_folds_group_answers_by_question() -> None:
    folds = grouped_folds(["a", "b", "c", "a", "d", "e"], count=5)
    assert set(folds) == {"a", "b", "c", "d", "e"} and set(folds.values()) == set(range(5))
