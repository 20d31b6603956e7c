"""Fuzzing the lesson file loader: ``read_file`` gives a lesson and no problems, or None and
at least one problem, for any bytes in a lesson file; never an exception."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.lessons.content import Lesson
from bot.lessons.files import Problem, read_file
from bot.settings import PROJECT_ROOT
from tests.fuzz.conftest import FUZZ, mutated

LESSONS = PROJECT_ROOT / "locales" / "lessons"
REAL_FILES = sorted(LESSONS.glob("*/*.yml"))
DISPLAY = "fuzzed.yml"

# Pieces of YAML syntax, so that random text often parses, and lesson words, so that it often
# reaches the field checks.
YAML_PIECES = st.sampled_from(
    [
        "\n",
        "  ",
        "- ",
        ": ",
        "? ",
        "&a ",
        "*a",
        "!!str ",
        "!!int ",
        "!!python/object ",
        "|",
        ">-",
        "'",
        '"',
        "{",
        "}",
        "[",
        "]",
        ",",
        "#",
        "---",
        "...",
        "~",
        "null",
        "true",
        "1",
        "²",
        "0x1F",
        "1e3",
        "slug",
        "language",
        "position",
        "topic",
        "published",
        "title",
        "messages",
        "quiz",
        "id",
        "question",
        "choices",
        "answer",
        "explanation",
        "en",
        "sw",
        "what-is-interest",
        "interest",
        "{money:",
        "{money:100}",
        "a",
        "b",
        "💰",
        "\t",
    ]  # fmt: skip
)


def read_bytes(path: Path, content: bytes) -> tuple[Lesson | None, list[Problem]]:
    """``read_file`` of ``content`` under its contract: a lesson and no problem, or None and
    problems, each naming the file, a line in it and what is wrong."""
    path.write_bytes(content)
    lesson, problems = read_file(path, DISPLAY)
    assert isinstance(problems, list)
    if lesson is None:
        assert problems
    else:
        assert isinstance(lesson, Lesson) and not problems
    lines = content.count(b"\n") + 2
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.path == DISPLAY
        assert 1 <= problem.line <= lines
        assert problem.message and str(problem)  # the field is the key, which may be ""
    return lesson, problems


def real_text(index: int) -> str:
    return REAL_FILES[index % len(REAL_FILES)].read_text(encoding="utf-8")


def test_every_real_lesson_file_reads_without_problems(lesson_path: Path) -> None:
    assert len(REAL_FILES) >= 50
    for path in REAL_FILES:
        target = lesson_path.parent.parent / path.parent.name / path.name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(path.read_bytes())
        lesson, problems = read_file(target, DISPLAY)
        assert lesson is not None and not problems, problems


@FUZZ
@given(content=st.binary(max_size=400))
def test_any_bytes_are_a_lesson_or_problems(lesson_path: Path, content: bytes) -> None:
    read_bytes(lesson_path, content)


@FUZZ
@given(pieces=st.lists(YAML_PIECES | st.text(max_size=6), max_size=60))
def test_any_yaml_like_text_is_a_lesson_or_problems(lesson_path: Path, pieces: list[str]) -> None:
    read_bytes(lesson_path, "".join(pieces).encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(index=st.integers(0, 10_000), data=st.data())
def test_a_real_lesson_with_keys_deleted_types_changed_or_values_swapped_gives_problems(
    lesson_path: Path, index: int, data: st.DataObject
) -> None:
    lesson = yaml.safe_load(real_text(index))
    damaged = data.draw(mutated(lesson, rounds=3))
    text = yaml.safe_dump(damaged, allow_unicode=True, sort_keys=False)
    read_bytes(lesson_path, text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(
    index=st.integers(0, 10_000),
    seed=st.integers(0, 2**32),
    edit=st.sampled_from(["truncate", "delete line", "duplicate line", "insert", "bad utf-8"]),
    insert=st.sampled_from(
        [
            "position: ²",
            "position: 1" + "0" * 5000,
            "position: -1",
            "published: maybe",
            "title: '{money:1" + "0" * 40 + "}'",
            "title: '{money:" + "9" * 30 + ".5}'",
            "  - '{money:}'",
            "quiz: &q [*q]",
            "x: &a [*a, *a]",
            "? [complex, key]\n: value",
            "slug: !!binary aGVsbG8=",
            "language: 'x@y'",
            "language: zz_ZZ",
            "---\nsecond: document",
            "\t",
            "messages: !!set {a, b}",
        ]
    ),
)
def test_a_real_lesson_file_truncated_edited_or_with_invalid_utf8_gives_problems(
    lesson_path: Path, index: int, seed: int, edit: str, insert: str
) -> None:
    content = real_text(index).encode("utf-8")
    rng = random.Random(seed)
    lines = content.split(b"\n")
    at = rng.randrange(len(lines))
    if edit == "truncate":
        content = content[: rng.randrange(len(content))]
    elif edit == "delete line":
        content = b"\n".join(lines[:at] + lines[at + 1 :])
    elif edit == "duplicate line":
        content = b"\n".join(lines[: at + 1] + lines[at:])
    elif edit == "insert":
        content = b"\n".join([*lines[:at], insert.encode(), *lines[at:]])
    else:
        cut = rng.randrange(len(content))
        content = (
            content[:cut] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00"]) + content[cut:]
        )
    read_bytes(lesson_path, content)


def deep_yaml(depth: int, kind: str) -> Iterator[str]:
    yield "slug: what-is-interest\nmessages: "
    yield ("[" * depth + "]" * depth) if kind == "flow" else ("{a: " * depth + "}" * depth)


@pytest.mark.parametrize("kind", ["flow", "mapping"])
def test_deeply_nested_yaml_gives_problems(lesson_path: Path, kind: str) -> None:
    lesson, _problems = read_bytes(lesson_path, "".join(deep_yaml(5000, kind)).encode())
    assert lesson is None


def test_exponential_aliases_give_problems_quickly(lesson_path: Path) -> None:
    """A "billion laughs" file: ten levels of ten aliases each."""
    lines = ["a0: &a0 x"]
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    lesson, _problems = read_bytes(lesson_path, "\n".join(lines).encode())
    assert lesson is None
