"""Cross-validated NLU quality per language and per intent: ``make nlu-report``.

The training examples are split into K folds (5 by default, as in ``rasa test nlu
--cross-validation``), stratified by language and intent (a fixed seed, so runs are
comparable). For each fold an NLU model is trained on the other folds with Rasa and tested on
it; every prediction is then attributed to the language of the file it came from
(``nlu_<lang>.yml`` or ``nlu_<topic>_<lang>.yml``; the other files are English). The report
gives intent F1 per language and per intent, in ``reports/nlu-report.md`` and ``.json``. As in
Rasa's own test, a prediction under the fallback threshold counts as the intent it guessed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

RASA = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
REPORTS = PROJECT_ROOT / "reports"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    language: str
    intent: str
    raw: str  # as written in the training file, entity annotations included

    @property
    def text(self) -> str:
        return _ANNOTATION.sub(r"\1", self.raw).strip()


def _language_of_file(path: Path) -> str:
    match = re.fullmatch(r"nlu_(?:\w+_)?([a-z]{2})\.yml", path.name)
    return match.group(1) if match else "en"


def load_examples(folder: Path) -> tuple[list[Example], list[dict]]:
    """Every intent example with its language, and the other NLU items (synonyms...)."""
    examples, others = [], []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if "intent" not in item:
                others.append(item)
                continue
            for line in str(item.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append(Example(_language_of_file(path), item["intent"], line[2:]))
    return examples, others


def folds(examples: list[Example], count: int, seed: int = 7) -> list[list[Example]]:
    groups: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for example in examples:
        groups[(example.language, example.intent)].append(example)
    rng = random.Random(seed)
    split: list[list[Example]] = [[] for _ in range(count)]
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        for i, example in enumerate(members):
            split[i % count].append(example)
    return split


def _write_nlu(path: Path, examples: list[Example], others: list[dict]) -> None:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example.raw)
    items = [
        {"intent": intent, "examples": "".join(f"- {raw}\n" for raw in raws)}
        for intent, raws in sorted(by_intent.items())
    ]
    path.write_text(
        yaml.safe_dump({"version": "3.1", "nlu": items + others}, allow_unicode=True),
        encoding="utf-8",
    )


def _rasa(*args: str) -> None:
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    subprocess.run(
        [str(RASA), *args], cwd=PROJECT_ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def f1_table(pairs: list[tuple[Example, str]]) -> dict[str, dict[str, dict[str, float]]]:
    """{language: {intent: {precision, recall, f1, support}}} plus a weighted "all" row."""
    result: dict[str, dict[str, dict[str, float]]] = {}
    for language in sorted({e.language for e, _ in pairs}):
        subset = [(e.intent, predicted) for e, predicted in pairs if e.language == language]
        intents = sorted({gold for gold, _ in subset})
        rows: dict[str, dict[str, float]] = {}
        for intent in intents:
            tp = sum(1 for g, p in subset if g == intent and p == intent)
            fp = sum(1 for g, p in subset if g != intent and p == intent)
            fn = sum(1 for g, p in subset if g == intent and p != intent)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            rows[intent] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
        total = sum(r["support"] for r in rows.values())
        rows["all"] = {
            key: sum(r[key] * r["support"] for r in rows.values()) / total
            for key in ("precision", "recall", "f1")
        } | {"support": total}
        result[language] = rows
    return result


def confusions(pairs: list[tuple[Example, str]], top: int = 15) -> list[tuple[str, str, str, int]]:
    """The most frequent mistakes: (language, intent, predicted instead, how often)."""
    counted: dict[tuple[str, str, str], int] = defaultdict(int)
    for example, predicted in pairs:
        if predicted != example.intent:
            counted[(example.language, example.intent, predicted)] += 1
    ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    return [(*key, n) for key, n in ranked[:top]]


def markdown(
    table: dict[str, dict[str, dict[str, float]]],
    count: int,
    mistakes: list[tuple[str, str, str, int]] | None = None,
) -> str:
    languages = sorted(table)
    intents = sorted({i for rows in table.values() for i in rows if i != "all"})
    lines = [
        f"# NLU intent F1, {count}-fold cross-validation (`make nlu-report`)",
        "",
        "| intent | " + " | ".join(languages) + " |",
        "|---|" + "---|" * len(languages),
        "| **all (weighted)** | "
        + " | ".join(f"**{table[lang]['all']['f1']:.3f}**" for lang in languages)
        + " |",
    ]
    for intent in intents:
        cells = [
            f"{table[lang][intent]['f1']:.3f}" if intent in table[lang] else "-"
            for lang in languages
        ]
        lines.append(f"| {intent} | " + " | ".join(cells) + " |")
    if mistakes:
        lines += ["", "Most frequent mistakes:", "", "| language | intent | predicted | times |"]
        lines.append("|---|---|---|---|")
        lines += [f"| {lang} | {gold} | {got} | {n} |" for lang, gold, got, n in mistakes]
    return "\n".join(lines) + "\n"


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.nlu_report", description=__doc__)
    parser.add_argument("folds", nargs="?", type=int, default=5, help="number of folds (5)")
    parser.add_argument("--config", default="config.yml", help="Rasa config to evaluate")
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "nlu_data")
    parser.add_argument("--reports", type=Path, default=REPORTS, help="where to write")
    arguments = parser.parse_args(argv)
    if arguments.folds < 2:
        parser.error("folds: at least 2")
    return arguments


def main(argv: list[str]) -> int:
    arguments = _arguments(argv)
    count, reports = arguments.folds, arguments.reports
    examples, others = load_examples(arguments.data)
    split = folds(examples, count)
    pairs: list[tuple[Example, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for k in range(count):
            train = [e for i, part in enumerate(split) if i != k for e in part]
            _write_nlu(work / f"train-{k}.yml", train, others)
            _write_nlu(work / f"test-{k}.yml", split[k], [])
            _rasa(
                "train",
                "nlu",
                "--nlu",
                str(work / f"train-{k}.yml"),
                "--config",
                str(arguments.config),
                "--out",
                str(work),
                "--fixed-model-name",
                f"fold-{k}",
            )
            out = work / f"out-{k}"
            _rasa(
                "test",
                "nlu",
                "--model",
                str(work / f"fold-{k}.tar.gz"),
                "--nlu",
                str(work / f"test-{k}.yml"),
                "--out",
                str(out),
                "--successes",
                "--no-plot",
            )
            by_text = {(e.text, e.intent): e for e in split[k]}
            for name in ("intent_successes.json", "intent_errors.json"):
                path = out / name
                for row in json.loads(path.read_text()) if path.exists() else []:
                    example = by_text.get((row["text"].strip(), row["intent"]))
                    if example is not None:
                        pairs.append((example, row["intent_prediction"]["name"]))
            print(f"fold {k + 1}/{count} done")  # noqa: T201
    table = f1_table(pairs)
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "nlu-report.json").write_text(json.dumps(table, indent=2))
    wrong = [
        {"language": e.language, "text": e.text, "intent": e.intent, "predicted": predicted}
        for e, predicted in sorted(pairs, key=lambda pair: (pair[0].language, pair[0].intent))
        if predicted != e.intent
    ]
    (reports / "nlu-mistakes.json").write_text(
        json.dumps(wrong, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    report = markdown(table, count, confusions(pairs))
    (reports / "nlu-report.md").write_text(report)
    print(report)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
