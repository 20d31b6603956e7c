"""The NLU report's bookkeeping: examples by language, stratified folds, F1 per language."""

from __future__ import annotations

from collections import Counter

from bot.nlu_report import Example, confusions, f1_table, folds, load_examples, markdown
from bot.settings import PROJECT_ROOT


def test_examples_are_attributed_to_their_language() -> None:
    examples, others = load_examples(PROJECT_ROOT / "nlu_data")
    languages = Counter(e.language for e in examples)
    assert set(languages) == {"en", "sw", "fr", "es", "hi"}
    assert all(count >= 100 for count in languages.values())
    assert any("synonym" in item for item in others)
    annotated = Example("sw", "choose_language", "ongea [kiswahili](language)")
    assert annotated.text == "ongea kiswahili"


def test_folds_are_stratified_and_disjoint() -> None:
    examples = [
        Example(lang, intent, f"{lang}-{intent}-{i}")
        for lang in ("en", "sw")
        for intent in ("a", "b")
        for i in range(9)
    ]
    split = folds(examples, 3)
    assert sorted(e.raw for part in split for e in part) == sorted(e.raw for e in examples)
    for part in split:
        assert Counter((e.language, e.intent) for e in part) == {
            ("en", "a"): 3,
            ("en", "b"): 3,
            ("sw", "a"): 3,
            ("sw", "b"): 3,
        }


def test_f1_per_language() -> None:
    pairs = [
        (Example("en", "greet", "hi"), "greet"),
        (Example("en", "greet", "hello"), "goodbye"),
        (Example("en", "goodbye", "bye"), "goodbye"),
        (Example("sw", "greet", "habari"), "greet"),
    ]
    table = f1_table(pairs)
    assert table["sw"]["all"]["f1"] == 1.0
    assert table["en"]["greet"]["recall"] == 0.5
    assert table["en"]["goodbye"]["precision"] == 0.5
    assert round(table["en"]["all"]["f1"], 3) == round((2 * (2 / 3) + 1 * (2 / 3)) / 3, 3)


def test_the_most_frequent_mistakes_come_first() -> None:
    a1, a2, b1 = Example("hi", "a", "x"), Example("hi", "a", "y"), Example("sw", "b", "z")
    pairs = [(a1, "b"), (a2, "b"), (b1, "nlu_fallback"), (Example("sw", "a", "w"), "a")]
    assert confusions(pairs) == [("hi", "a", "b", 2), ("sw", "b", "nlu_fallback", 1)]
    table = markdown(f1_table(pairs), 3, confusions(pairs))
    assert "| hi | a | b | 2 |" in table
