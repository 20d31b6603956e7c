"""Lesson files: the shipped lessons are valid in every language and currency, every mistake in
``tests/lessons/broken`` is reported on its own line at the right place, files written back read
the same, and money examples scale exactly in every currency."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import LESSONS_DIR
from bot.lessons import content, render
from bot.lessons.files import check, dump, read_file, read_tree, write_tree
from bot.money import minor_units, quantum

REPO = Path(__file__).resolve().parents[2]
BROKEN = Path(__file__).resolve().parent / "broken"
BROKEN_ARG = "tests/lessons/broken"  # as a user types it, from the repository's root
WAZI = Path(sys.executable).with_name("wazi")
CURRENCIES = ("KES", "XOF", "MXN", "INR", "UGX", "USD")


def run_wazi(*args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WAZI_")}
    return subprocess.run(
        [str(WAZI), *args],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- the shipped lessons ----------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> list[content.Lesson]:
    lessons, problems = read_tree(LESSONS_DIR)
    assert [str(p) for p in problems] == []
    return lessons


def test_shipped_lessons_have_no_problems(shipped: list[content.Lesson]) -> None:
    assert len(shipped) == 60


def test_twelve_lessons_each_in_all_five_languages(shipped: list[content.Lesson]) -> None:
    by_slug: dict[str, set[str]] = {}
    for lesson in shipped:
        by_slug.setdefault(lesson.slug, set()).add(lesson.language)
    assert len(by_slug) == 12
    assert content.LANGUAGES == ("en", "sw", "fr", "es", "hi")
    assert {slug: langs for slug, langs in by_slug.items() if langs != set(content.LANGUAGES)} == {}
    english = [lesson for lesson in shipped if lesson.language == "en"]
    assert sorted(lesson.position for lesson in english) == list(range(1, 13))


def test_shipped_translations_keep_the_english_quiz_position_and_topic(
    shipped: list[content.Lesson],
) -> None:
    english = {lesson.slug: lesson for lesson in shipped if lesson.language == "en"}
    for lesson in shipped:
        source = english[lesson.slug]
        where = f"{lesson.slug} ({lesson.language})"
        assert lesson.quiz_shape() == source.quiz_shape(), where
        assert (lesson.position, lesson.topic) == (source.position, source.topic), where


def test_every_shipped_text_fits_in_every_currency(shipped: list[content.Lesson]) -> None:
    assert set(CURRENCIES) <= set(render.SCALES)
    too_long = []
    for lesson in shipped:
        texts = [(f"messages[{n}]", m, 500) for n, m in enumerate(lesson.messages, start=1)]
        texts.append(("title", lesson.title, content.MAX_TITLE_CHARS))
        for question in lesson.quiz:
            texts.append((f"{question.id}.question", question.text, 500))
            texts.append((f"{question.id}.explanation", question.explanation, 500))
            for choice in question.choices:
                texts.append((f"{question.id}.{choice.id}", choice.text, 40))
        for field, text, limit in texts:
            assert render.stray_braces(text) == [], (lesson.slug, lesson.language, field)
            for currency in render.SCALES:
                written = render.render(text, currency, lesson.language)
                assert "{" not in written and "}" not in written
                if len(written) > limit:
                    too_long.append((lesson.slug, lesson.language, field, currency, len(written)))
    assert too_long == []


def test_every_shipped_lesson_has_a_money_example(shipped: list[content.Lesson]) -> None:
    assert [
        (lesson.slug, lesson.language)
        for lesson in shipped
        if not any(render.MONEY.search(m) for m in lesson.messages)
    ] == []


def test_the_dashboard_check_agrees_with_the_files(shipped: list[content.Lesson]) -> None:
    assert [str(p) for lesson in shipped for p in check(lesson)] == []


def test_validate_the_shipped_folder() -> None:
    for args in ((), ("--dir", "locales/lessons")):
        result = run_wazi("lessons", "validate", *args)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert result.stdout.splitlines() == ["12 lessons, 60 files: all valid"]


def test_validate_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    result = run_wazi("lessons", "validate", "--dir", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"wazi: error: {tmp_path / 'nowhere'}: no such folder"]


# --- the broken lessons -----------------------------------------------------------------

B = BROKEN_ARG
# Each problem the broken folder must report, and the text of the line it points at (None:
# the file does not exist). Problems found across languages point at a file's first line.
EXPECTED: list[tuple[str, str | None]] = [
    (
        f"{B}/file-mistakes/es.yml:1: lesson file-mistakes (es), "
        "position: differs from English (3)",
        "slug: file-mistakes",
    ),
    (
        f"{B}/file-mistakes/fr.yml:2: lesson file-mistake (fr), "
        "slug: the folder is 'file-mistakes'",
        "slug: file-mistake",
    ),
    (f"{B}/file-mistakes/hi.yml:1: lesson file-mistakes (hi), file: missing translation", None),
    (
        f"{B}/file-mistakes/sw.yml:8: lesson file-mistakes (sw), file: not valid YAML: "
        "mapping values are not allowed here",
        "title: Gharama: jumla ya mkopo",
    ),
    (
        f"{B}/message-mistakes/es.yml:9: lesson message-mistakes (es), messages: "
        "no example with money ({money:N}) in them",
        "messages:",
    ),
    (
        f"{B}/message-mistakes/fr.yml:8: lesson message-mistakes (fr), messages: "
        "2 messages; 3 to 6",
        "messages:",
    ),
    (
        f"{B}/message-mistakes/hi.yml:12: lesson message-mistakes (hi), messages[2]: "
        "a brace that is not part of {money:N}",
        "- >-",
    ),
    (
        f"{B}/message-mistakes/sw.yml:12: lesson message-mistakes (sw), messages[2]: "
        "502 characters with the money written out; at most 500",
        "- >-",
    ),
    (
        f"{B}/quiz-mistakes/es.yml:8: lesson quiz-mistakes (es), summary: unknown field; "
        "known: slug, language, position, topic, published, title, messages, quiz",
        "summary: La diferencia entre una tasa fija y una decreciente.",
    ),
    (
        f"{B}/quiz-mistakes/fr.yml:2: lesson quiz-mistakes (fr), title: missing",
        "slug: quiz-mistakes",  # a missing field points at the start of the file's fields
    ),
    (
        f"{B}/quiz-mistakes/hi.yml:1: lesson quiz-mistakes (hi), quiz: questions, choice ids "
        "or answers differ from English: q1: a/b/c -> b in English, q1: a/b/d -> b here",
        "slug: quiz-mistakes",
    ),
    (
        f"{B}/quiz-mistakes/sw.yml:22: lesson quiz-mistakes (sw), quiz[1].answer: "
        "'d' is not one of the choices (a, b, c)",
        "answer: d",
    ),
]
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): lesson (?P<slug>\S+) \((?P<lang>[a-z-]+)\), ")


def test_every_broken_file_is_documented_and_every_mistake_covered() -> None:
    files = sorted(p.relative_to(BROKEN).as_posix() for p in BROKEN.glob("*/*.yml"))
    assert len(files) == 14
    assert not (BROKEN / "file-mistakes" / "hi.yml").exists()
    undocumented = [
        name
        for name in files
        if not name.endswith("/en.yml") and "# MISTAKE:" not in (BROKEN / name).read_text()
    ]
    assert undocumented == []
    mentioned = {re.match(r"[^:]+", line)[0] for line, _ in EXPECTED}
    assert {f"{B}/{name}" for name in files if not name.endswith("/en.yml")} <= mentioned


@pytest.mark.parametrize(("line", "pointed"), EXPECTED, ids=[e[0][len(B) + 1 :] for e in EXPECTED])
def test_each_problem_points_at_its_mistake(line: str, pointed: str | None) -> None:
    match = LINE.match(line)
    assert match is not None
    path = REPO / match["path"]
    assert match["path"].startswith(f"{B}/")
    folder, language = path.parent.name, path.stem
    assert match["lang"] == language
    if pointed is None:
        assert not path.exists()
        assert match["line"] == "1"
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    number = int(match["line"])
    assert lines[number - 1].strip() == pointed
    if match["slug"] != folder:  # only the lesson whose slug is wrong is named otherwise
        assert pointed == f"slug: {match['slug']}"
    item = re.search(r"messages\[(\d+)\]", line)
    if item:  # the Nth item of the messages list
        start = lines.index("messages:")
        items = [i for i in range(start + 1, number - 1) if lines[i].startswith("  - ")]
        assert len(items) + 1 == int(item[1])
    # the file's comment says what is wrong, just above the line pointed at (a problem found
    # across languages points at the first line: its comment is above the field that differs)
    comments = [n for n, text in enumerate(lines, start=1) if text.lstrip().startswith("# MISTAKE")]
    assert len(comments) == 1, path
    assert number == 1 or 0 < number - comments[0] <= 6


def test_validate_broken_folder_prints_exactly_the_expected_lines() -> None:
    result = run_wazi("lessons", "validate", "--dir", BROKEN_ARG)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        *(e[0] for e in EXPECTED),
        f"{len(EXPECTED)} problems in {BROKEN_ARG}",
    ]


def test_read_tree_of_the_broken_folder_reads_only_the_good_files() -> None:
    lessons, problems = read_tree(BROKEN)
    assert sorted((lesson.slug, lesson.language) for lesson in lessons) == [
        ("file-mistakes", "en"),
        ("file-mistakes", "es"),
        ("message-mistakes", "en"),
        ("quiz-mistakes", "en"),
        ("quiz-mistakes", "hi"),
    ]
    assert problems == sorted(problems)
    assert {(p.lesson, p.language, p.field) for p in problems} >= {
        ("file-mistakes", "hi", "file"),
        ("quiz-mistakes", "fr", "title"),
    }


def test_read_file_reports_every_problem_of_one_file(tmp_path: Path) -> None:
    text = (BROKEN / "message-mistakes" / "fr.yml").read_text(encoding="utf-8")
    text = text.replace("title: Qu'est-ce que l'intérêt ?", "title: " + "x" * 61)
    text = text.replace("answer: b", "answer: z")
    path = tmp_path / "message-mistakes" / "fr.yml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    lesson, problems = read_file(path, "fr.yml")
    assert lesson is None
    assert [(p.field, p.message) for p in problems] == [
        ("title", "61 characters with the money written out; at most 60"),
        ("messages", "2 messages; 3 to 6"),
        ("quiz[1].answer", "'z' is not one of the choices (a, b, c)"),
    ]


# --- writing the files back -------------------------------------------------------------


def test_dump_and_read_give_back_every_shipped_lesson(
    shipped: list[content.Lesson], tmp_path: Path
) -> None:
    written = write_tree(tmp_path, shipped)
    assert len(written) == 60
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(
        p.relative_to(LESSONS_DIR).as_posix() for p in LESSONS_DIR.glob("*/*.yml")
    )
    again, problems = read_tree(tmp_path)
    assert [str(p) for p in problems] == []

    def key(lesson: content.Lesson) -> tuple[str, str]:
        return lesson.slug, lesson.language

    assert sorted(again, key=key) == sorted(shipped, key=key)


def test_dump_of_each_lesson_reads_back_alone(
    shipped: list[content.Lesson], tmp_path: Path
) -> None:
    for lesson in shipped:
        path = tmp_path / lesson.slug / f"{lesson.language}.yml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(dump(lesson), encoding="utf-8")
        assert read_file(path) == (lesson, [])


def test_a_draft_stays_a_draft_through_a_file(
    shipped: list[content.Lesson], tmp_path: Path
) -> None:
    hindi = next(lesson for lesson in shipped if lesson.language == "hi")
    draft = dataclasses.replace(hindi, published=False)
    assert draft != hindi
    (path,) = write_tree(tmp_path, [draft])
    assert "published: false" in path.read_text(encoding="utf-8")
    assert read_file(path) == (draft, [])


# --- money in lessons -------------------------------------------------------------------

# Money is written as in a country that uses the currency and speaks the language, when there is
# one (render.money_locale): Ksh in Kenya, USh in Uganda; French has no KES country, so "KES".
TEN_THOUSAND = {
    "en": {
        "KES": "Ksh10,000.00",  # as English is written in Kenya
        "XOF": "F\u202fCFA50,000",
        "MXN": "MX$2,000.00",
        "INR": "₹10,000.00",
        "UGX": "USh300,000",  # as in Uganda
        "USD": "$100.00",
    },
    "sw": {
        "KES": "Ksh\xa010,000.00",
        "XOF": "F\u202fCFA\xa050,000",
        "MXN": "MX$\xa02,000.00",
        "INR": "₹\xa010,000.00",
        "UGX": "USh\xa0300,000",  # Kiswahili as written in Uganda
        "USD": "US$\xa0100.00",
    },
    "fr": {
        "KES": "10\u202f000,00\xa0KES",
        "XOF": "50\u202f000\xa0F\u202fCFA",
        "MXN": "2\u202f000,00\xa0$MX",
        "INR": "10\u202f000,00\xa0₹",
        "UGX": "300\u202f000\xa0UGX",
        "USD": "100,00\xa0$US",
    },
}


@pytest.mark.parametrize("language", sorted(TEN_THOUSAND))
@pytest.mark.parametrize("currency", CURRENCIES)
def test_ten_thousand_in_each_currency(language: str, currency: str) -> None:
    expected = TEN_THOUSAND[language][currency]
    assert render.render("{money:10000}", currency, language) == expected
    assert render.render("Lend {money:10000}.", currency, language) == f"Lend {expected}."


def test_scales_give_a_realistic_small_loan() -> None:
    assert {c: render.amount(Decimal(10000), c) for c in CURRENCIES} == {
        "KES": Decimal("10000.00"),
        "XOF": Decimal("50000"),
        "MXN": Decimal("2000.00"),
        "INR": Decimal("10000.00"),
        "UGX": Decimal("300000"),
        "USD": Decimal("100.00"),
    }
    assert render.amount(Decimal(10000), "EUR") == Decimal("10000.00")  # not scaled: 1


@pytest.mark.parametrize("currency", sorted(render.SCALES))
def test_the_arithmetic_of_an_example_holds_in_every_currency(currency: str) -> None:
    loan, interest, total = (render.amount(Decimal(n), currency) for n in (10000, 300, 10300))
    assert interest == loan * 3 / 100
    assert total == loan + interest
    assert render.amount(Decimal(900), currency) == 3 * interest


def test_render_leaves_other_text_alone() -> None:
    assert render.render("3% a month, no money", "UGX", "en") == "3% a month, no money"
    assert render.stray_braces("{money:300} and {money:10000}") == []
    assert render.stray_braces("{money:300 and {money: 10}") == ["{", "{", "}"]


@settings(max_examples=300, deadline=None, database=None)
@given(
    reference=st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False),
    currency=st.sampled_from(sorted(render.SCALES)),
)
def test_amount_is_exact_to_the_minor_unit(reference: Decimal, currency: str) -> None:
    result = render.amount(reference, currency)
    exact = reference * render.SCALES[currency]
    assert result.as_tuple().exponent == -minor_units(currency)
    assert abs(result - exact) <= quantum(currency) / 2
    if exact == exact.quantize(quantum(currency)):  # representable: nothing is rounded away
        assert result == exact
    if reference == reference.to_integral_value():  # every {money:N} in the lessons
        assert result == exact
