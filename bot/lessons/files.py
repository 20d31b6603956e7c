"""Lesson files: ``locales/lessons/<slug>/<language>.yml``, read, checked and written.

One folder per lesson, one file per language (``en.yml``, ``sw.yml``, ...), so a translator
works on one file and every language of a lesson sits side by side. The format is described in
``locales/lessons/README.md``. Reading never stops at the first mistake: it collects every
problem, each with the file, the line, the lesson and the field, one line each.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from decimal import InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from bot.lessons import content
from bot.lessons.content import Choice, Lesson, Question
from bot.lessons.render import MONEY, SCALES, render, stray_braces

FIELDS = ("slug", "language", "position", "topic", "published", "title", "messages", "quiz")
QUESTION_FIELDS = ("id", "question", "choices", "answer", "explanation")


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    """One mistake in a lesson file."""

    path: str
    line: int
    lesson: str
    language: str
    field: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: lesson {self.lesson} ({self.language}), "
            f"{self.field}: {self.message}"
        )


class LessonFileError(ValueError):
    """Lesson files with problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# --- YAML with line numbers -------------------------------------------------------------


@dataclasses.dataclass
class _Node:
    value: Any  # str, list[_Node] or dict[str, _Node]
    line: int  # 1-based


def _tree(node: yaml.Node, seen: set[int]) -> _Node:
    line = node.start_mark.line + 1
    if id(node) in seen:  # an alias: it could contain itself, or double up a billion times
        raise yaml.composer.ComposerError(
            None, None, "an alias (*name); lesson files do not use them", node.start_mark
        )
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, _Node] = {}
        for key, value in node.value:
            child = _tree(value, seen)
            child.line = key.start_mark.line + 1  # a field's problems point at its key
            mapping[str(key.value)] = child
        return _Node(mapping, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_tree(item, seen) for item in node.value], line)
    return _Node(node.value, line)


class _Reader:
    """Reads one file's tree into a Lesson, noting every problem on the way."""

    def __init__(self, path: Path, display: str, root: _Node) -> None:
        self.path = path
        self.display = display
        self.root = root
        self.problems: list[Problem] = []
        fields = root.value if isinstance(root.value, dict) else {}
        self.slug = self._plain(fields.get("slug")) or path.parent.name
        self.language = self._plain(fields.get("language")) or path.stem

    @staticmethod
    def _plain(node: _Node | None) -> str:
        return node.value.strip() if node is not None and isinstance(node.value, str) else ""

    def problem(self, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(self.display, line, self.slug, self.language, field, message))

    def text(self, parent: _Node, key: str, field: str, limit: int) -> str:
        node = parent.value.get(key) if isinstance(parent.value, dict) else None
        if node is None:
            self.problem(parent.line, field, "missing")
            return ""
        if not isinstance(node.value, str) or not node.value.strip():
            self.problem(node.line, field, "must be some text")
            return ""
        value = node.value.strip()
        self.check_text(node.line, field, value, limit)
        return value

    def check_text(self, line: int, field: str, value: str, limit: int) -> None:
        if stray_braces(value):
            self.problem(line, field, "a brace that is not part of {money:N}")
            return
        try:
            longest = max(len(render(value, currency, self.language)) for currency in SCALES)
        except InvalidOperation:  # more digits than a Decimal holds
            self.problem(line, field, "an amount in {money:N} too large to write out")
            return
        if longest > limit:
            self.problem(
                line, field, f"{longest} characters with the money written out; at most {limit}"
            )

    def read(self) -> Lesson | None:
        root = self.root
        if not isinstance(root.value, dict):
            self.problem(root.line, "file", "must be a mapping of fields (slug, title, ...)")
            return None
        fields: dict[str, _Node] = root.value
        for key in fields:
            if key not in FIELDS:
                self.problem(fields[key].line, key, f"unknown field; known: {', '.join(FIELDS)}")
        slug = self.text(root, "slug", "slug", 64)
        if slug and not content.SLUG.match(slug):
            self.problem(fields["slug"].line, "slug", "lower-case letters, digits and dashes")
        if slug and slug != self.path.parent.name:
            self.problem(fields["slug"].line, "slug", f"the folder is {self.path.parent.name!r}")
        language = self.text(root, "language", "language", 8)
        if language and language not in content.LANGUAGES:
            self.problem(
                fields["language"].line,
                "language",
                f"{language!r} is not one of {', '.join(content.LANGUAGES)}",
            )
        elif language and language != self.path.stem:
            self.problem(fields["language"].line, "language", f"the file is {self.path.name}")
        position = self._position(fields)
        topic = self.text(root, "topic", "topic", 16)
        if topic and topic not in content.TOPICS:
            self.problem(
                fields["topic"].line,
                "topic",
                f"{topic!r} is not one of {', '.join(content.TOPICS)}",
            )
        published = True
        if "published" in fields:
            node = fields["published"]
            if node.value not in ("true", "false"):
                self.problem(node.line, "published", "true or false")
            published = node.value != "false"
        title = self.text(root, "title", "title", content.MAX_TITLE_CHARS)
        messages = self._messages(fields)
        quiz = self._quiz(fields)
        if self.problems:
            return None
        return Lesson(slug, language, position, topic, title, messages, quiz, published)

    def _position(self, fields: dict[str, _Node]) -> int:
        node = fields.get("position")
        if node is None:
            self.problem(self.root.line, "position", "missing")
            return 0
        value = node.value if isinstance(node.value, str) else ""
        # ASCII digits ("²".isdigit() is true, int() refuses it); 9 fit the database's integer.
        if not (value.isascii() and value.isdigit()) or len(value) > 9 or int(value) < 1:
            self.problem(node.line, "position", "a whole number from 1")
            return 0
        return int(node.value)

    def _messages(self, fields: dict[str, _Node]) -> tuple[str, ...]:
        node = fields.get("messages")
        if node is None:
            self.problem(self.root.line, "messages", "missing")
            return ()
        if not isinstance(node.value, list):
            self.problem(node.line, "messages", "a list of messages")
            return ()
        low, high = content.MESSAGES
        if not low <= len(node.value) <= high:
            self.problem(node.line, "messages", f"{len(node.value)} messages; {low} to {high}")
        messages = []
        for number, item in enumerate(node.value, start=1):
            field = f"messages[{number}]"
            if not isinstance(item.value, str) or not item.value.strip():
                self.problem(item.line, field, "must be some text")
                continue
            value = item.value.strip()
            self.check_text(item.line, field, value, content.MAX_MESSAGE_CHARS)
            messages.append(value)
        if messages and not any(MONEY.search(m) for m in messages):
            self.problem(node.line, "messages", "no example with money ({money:N}) in them")
        return tuple(messages)

    def _quiz(self, fields: dict[str, _Node]) -> tuple[Question, ...]:
        node = fields.get("quiz")
        if node is None:
            self.problem(self.root.line, "quiz", "missing")
            return ()
        if not isinstance(node.value, list):
            self.problem(node.line, "quiz", "a list of questions")
            return ()
        low, high = content.QUESTIONS
        if not low <= len(node.value) <= high:
            self.problem(node.line, "quiz", f"{len(node.value)} questions; {low} to {high}")
        questions = []
        seen: set[str] = set()
        for number, item in enumerate(node.value, start=1):
            question = self._question(item, f"quiz[{number}]")
            if question is None:
                continue
            if question.id in seen:
                self.problem(item.line, f"quiz[{number}].id", f"{question.id!r} used twice")
            seen.add(question.id)
            questions.append(question)
        return tuple(questions)

    def _question(self, node: _Node, field: str) -> Question | None:
        if not isinstance(node.value, dict):
            self.problem(node.line, field, "a question with id, question, choices, answer, ...")
            return None
        for key in node.value:
            if key not in QUESTION_FIELDS:
                self.problem(node.value[key].line, f"{field}.{key}", "unknown field")
        question_id = self.text(node, "id", f"{field}.id", 16)
        if question_id and not content.ID.match(question_id):
            self.problem(node.value["id"].line, f"{field}.id", "a-z, 0-9 and _, at most 16")
        text = self.text(node, "question", f"{field}.question", content.MAX_MESSAGE_CHARS)
        choices = self._choices(node, f"{field}.choices")
        answer = self.text(node, "answer", f"{field}.answer", 16)
        if answer and choices and answer not in {c.id for c in choices}:
            self.problem(
                node.value["answer"].line,
                f"{field}.answer",
                f"{answer!r} is not one of the choices ({', '.join(c.id for c in choices)})",
            )
        explanation = self.text(
            node, "explanation", f"{field}.explanation", content.MAX_MESSAGE_CHARS
        )
        return Question(question_id, text, choices, answer, explanation)

    def _choices(self, parent: _Node, field: str) -> tuple[Choice, ...]:
        node = parent.value.get("choices")
        if node is None:
            self.problem(parent.line, field, "missing")
            return ()
        if not isinstance(node.value, dict):
            self.problem(node.line, field, "a mapping of choice id to its text (a: ..., b: ...)")
            return ()
        low, high = content.MIN_CHOICES, content.MAX_CHOICES
        if not low <= len(node.value) <= high:
            self.problem(node.line, field, f"{len(node.value)} choices; {low} to {high}")
        choices = []
        for key, item in node.value.items():
            if not content.ID.match(key):
                self.problem(item.line, f"{field}.{key}", "a choice id is a-z, 0-9 and _")
            if not isinstance(item.value, str) or not item.value.strip():
                self.problem(item.line, f"{field}.{key}", "must be some text")
                continue
            self.check_text(
                item.line, f"{field}.{key}", item.value.strip(), content.MAX_CHOICE_CHARS
            )
            choices.append(Choice(key, item.value.strip()))
        return tuple(choices)


def read_file(path: Path, display: str | None = None) -> tuple[Lesson | None, list[Problem]]:
    """One lesson file: the lesson, or None and what is wrong with it."""
    shown = display or str(path)
    slug, language = path.parent.name, path.stem
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
        tree = None if node is None else _tree(node, set())
    except UnicodeDecodeError:
        return None, [Problem(shown, 1, slug, language, "file", "not UTF-8 text")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(shown, line, slug, language, "file", f"not valid YAML: {reason}")]
    except RecursionError:
        return None, [Problem(shown, 1, slug, language, "file", "nested too deeply")]
    if tree is None:
        return None, [Problem(shown, 1, slug, language, "file", "empty")]
    reader = _Reader(path, shown, tree)
    lesson = reader.read()
    return lesson, reader.problems


def check(lesson: Lesson, display: str = "dashboard") -> list[Problem]:
    """The same checks as for a file, on a lesson from elsewhere (the dashboard's form)."""

    def node(value: Any) -> _Node:
        if isinstance(value, dict):
            return _Node({str(k): node(v) for k, v in value.items()}, 0)
        if isinstance(value, list):
            return _Node([node(v) for v in value], 0)
        if isinstance(value, bool):
            return _Node("true" if value else "false", 0)
        return _Node(str(value), 0)

    reader = _Reader(Path(lesson.slug) / f"{lesson.language}.yml", display, node(_data(lesson)))
    reader.read()
    return reader.problems


def lesson_files(root: Path) -> Iterator[Path]:
    """Every ``<slug>/<language>.yml`` under ``root``, in a stable order."""
    yield from sorted(root.glob("*/*.yml"))


def read_tree(root: Path) -> tuple[list[Lesson], list[Problem]]:
    """Every lesson under ``root`` and every problem, in the files and across languages."""
    lessons: list[Lesson] = []
    problems: list[Problem] = []
    for path in lesson_files(root):
        lesson, found = read_file(path, _display(path, root))
        problems.extend(found)
        if lesson is not None:
            lessons.append(lesson)
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        if not any(folder.glob("*.yml")):
            problems.append(
                Problem(_display(folder, root), 1, folder.name, "-", "folder", "no lesson files")
            )
    present = {(path.parent.name, path.stem) for path in lesson_files(root)}
    where = {slug: _display(root / slug, root) for slug, _language in present}
    problems.extend(check_languages(lessons, where, present))
    return lessons, sorted(problems)


def check_languages(
    lessons: Iterable[Lesson],
    where: dict[str, str] | None = None,
    present: set[tuple[str, str]] | None = None,
) -> list[Problem]:
    """Problems across the languages of each lesson: a missing language, a quiz that differs
    from the English one, a position or topic that differs, two lessons at one position.
    ``present`` names the (slug, language) files that exist but could not be read: their own
    problems are reported already, so they are not called missing too."""
    where = where or {}
    present = present or set()
    by_slug: dict[str, dict[str, Lesson]] = {slug: {} for slug, _language in present}
    for lesson in lessons:
        by_slug.setdefault(lesson.slug, {})[lesson.language] = lesson
    problems = []
    positions: dict[int, str] = {}
    for slug, versions in sorted(by_slug.items()):
        folder = where.get(slug, slug)
        source = versions.get(content.SOURCE_LANGUAGE)
        for language in content.LANGUAGES:
            if language not in versions and (slug, language) not in present:
                problems.append(
                    Problem(
                        f"{folder}/{language}.yml", 1, slug, language, "file", "missing translation"
                    )
                )
        if source is None:
            continue
        if source.position in positions:
            problems.append(
                Problem(
                    f"{folder}/en.yml",
                    1,
                    slug,
                    "en",
                    "position",
                    f"{source.position} is also lesson {positions[source.position]}'s",
                )
            )
        positions.setdefault(source.position, slug)
        for language, lesson in sorted(versions.items()):
            if language == content.SOURCE_LANGUAGE:
                continue
            path = f"{folder}/{language}.yml"
            for field in ("position", "topic"):
                if getattr(lesson, field) != getattr(source, field):
                    problems.append(
                        Problem(
                            path,
                            1,
                            slug,
                            language,
                            field,
                            f"differs from English ({getattr(source, field)})",
                        )
                    )
            if lesson.quiz_shape() != source.quiz_shape():
                problems.append(
                    Problem(
                        path,
                        1,
                        slug,
                        language,
                        "quiz",
                        "questions, choice ids or answers differ from English: "
                        + _shape_text(source)
                        + " in English, "
                        + _shape_text(lesson)
                        + " here",
                    )
                )
    return problems


def _shape_text(lesson: Lesson) -> str:
    return "; ".join(
        f"{qid}: {'/'.join(choices)} -> {answer}" for qid, choices, answer in lesson.quiz_shape()
    )


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- writing ------------------------------------------------------------------------------


class _Literal(str):
    """Lesson text: a long one is written folded (``>-``), as people write it in the files."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    style = "|" if "\n" in value else ">" if len(value) > 60 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def _data(lesson: Lesson) -> dict[str, Any]:
    """A lesson as the fields of its file (long texts marked to be written folded)."""
    return {
        "slug": lesson.slug,
        "language": lesson.language,
        "position": lesson.position,
        "topic": lesson.topic,
        "published": lesson.published,
        "title": lesson.title,
        "messages": [_Literal(m) for m in lesson.messages],
        "quiz": [
            {
                "id": q.id,
                "question": _Literal(q.text),
                "choices": {c.id: c.text for c in q.choices},
                "answer": q.answer,
                "explanation": _Literal(q.explanation),
            }
            for q in lesson.quiz
        ],
    }


def dump(lesson: Lesson) -> str:
    """A lesson as file text, that ``read_file`` reads back to the same lesson."""
    return yaml.dump(
        _data(lesson),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=96,
        default_flow_style=False,
    )


def write_tree(root: Path, lessons: Iterable[Lesson]) -> list[Path]:
    """Write each lesson to ``root/<slug>/<language>.yml``; the paths written."""
    written = []
    for lesson in lessons:
        path = root / lesson.slug / f"{lesson.language}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(lesson), encoding="utf-8")
        written.append(path)
    return written
