"""How long a chat turn takes: Wazi answering a verified client's loan question, next to a stock
``rasa init`` assistant answering "hello", both trained and served the same way in the same run.

Run: ``make bench-turns`` (or ``.venv/bin/python bench/turns.py [--quick]``). Starts Wazi's
stack (seeded SQLite database, action server, NLG endpoint, Rasa) and the stock assistant's Rasa
on free loopback ports, warms both up, then measures on each system in turn: one sender sending
``--turns`` turns one after another, then ``--senders`` concurrent closed-loop senders sending
``--turns-each`` turns each. Every conversation is ``--turns-each`` timed turns long, from a new
chat identity: Rasa's work per turn grows with the length of the conversation (it rebuilds the
tracker from all its events), so a single 100-turn conversation would measure that instead.
Prints p50, p95 and throughput, and Wazi's p95 over the stock assistant's. Target: at most 1.3,
although Wazi does real work per turn (NLU for five languages; the action server reads the loan
from the database, runs the loan engine and writes an audit entry).

Every Wazi conversation first verifies as a demo client with one loan and asks once (untimed);
every timed answer must equal that first answer, which must contain a figure. The stock assistant is
made once by ``rasa init`` in ``.cache/bench/stock-rasa-<version>/`` and reused. Exits 1 if a
server does not start or an answer is wrong, 130 on Ctrl-C; every server is stopped either way.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.devstack import (
    RASA,
    RASA_ENV,
    START_TIMEOUT,
    StackError,
    free_port,
    rasa_run_args,
    start,
    wait_until_up,
    wazi_stack,
)
from bot.settings import PROJECT_ROOT
from bot.training import model_path

TARGET = 1.3
WARM_UP = 5  # untimed turns on each system before anything is timed
PHASE_TIMEOUT = 300  # seconds for one measurement: opening its conversations and its turns
TURN_TIMEOUT = 60
INIT_TIMEOUT = 900
CACHE = PROJECT_ROOT / ".cache" / "bench"

# Amina Njeri: one loan (no which-loan question); answers in English once English is chosen.
PHONE, BORN = "+254712000001", "1988-04-12"
QUESTION = "what is my balance"
FIGURE = re.compile(r"\d[\d,]*\.\d\d\b")  # an amount such as 42,469.48
STOCK_MESSAGE = "hello"


class WrongAnswer(RuntimeError):
    """An assistant answered something other than the real answer."""


@dataclass
class Sender:
    """One chat identity talking to a Rasa server's REST channel."""

    client: httpx.AsyncClient
    rasa_url: str
    sender: str

    async def say(self, text: str) -> str:
        response = await self.client.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
        )
        response.raise_for_status()
        return "\n".join(m.get("text") or "" for m in response.json())


@dataclass(frozen=True)
class System:
    name: str
    rasa_url: str
    message: str  # the timed turn
    prepare: Callable[[Sender], Awaitable[str]]  # untimed; returns the expected answer


@dataclass(frozen=True)
class Result:
    system: str
    senders: int
    samples: list[float]  # seconds per turn
    wall: float  # seconds for all timed turns

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.samples, n=20, method="inclusive")[18]

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.wall


async def prepare_wazi(sender: Sender) -> str:
    """Choose English, ask the question, verify as Amina; return the answer to the question."""
    await sender.say("/choose_language" + json.dumps({"language": "en"}))
    await sender.say(QUESTION)  # asks for the phone number
    await sender.say(PHONE)  # asks for the date of birth
    verified = await sender.say(BORN)  # answers the pending question
    answer = await sender.say(QUESTION)
    if not FIGURE.search(answer) or not FIGURE.search(verified):
        raise WrongAnswer(f"wazi: no figure in the answer to {QUESTION!r}: {answer!r}")
    return answer


async def prepare_stock(sender: Sender) -> str:
    answer = await sender.say(STOCK_MESSAGE)
    if not answer.strip():
        raise WrongAnswer(f"stock: empty answer to {STOCK_MESSAGE!r}")
    return answer


@dataclass(frozen=True)
class Conversation:
    """A chat identity ready for its timed turns, and the answer each must get."""

    chat: Sender
    expected: str
    turns: int


async def open_conversation(system: System, client: httpx.AsyncClient, turns: int) -> Conversation:
    chat = Sender(client, system.rasa_url, f"bench-{system.name}-{uuid.uuid4().hex}")
    return Conversation(chat, await system.prepare(chat), turns)


async def timed_turns(system: System, conversation: Conversation) -> list[float]:
    samples = []
    for _ in range(conversation.turns):
        started = time.perf_counter()
        answer = await conversation.chat.say(system.message)
        samples.append(time.perf_counter() - started)
        if answer != conversation.expected:
            raise WrongAnswer(
                f"{system.name}: {system.message!r} answered {answer!r}, "
                f"expected {conversation.expected!r}"
            )
    return samples


async def closed_loop(system: System, conversations: list[Conversation]) -> list[float]:
    """One sender: its conversations one after the other, each turn as soon as the last ends."""
    samples = []
    for conversation in conversations:
        samples.extend(await timed_turns(system, conversation))
    return samples


async def measure(
    system: System, client: httpx.AsyncClient, senders: int, turns: int, length: int
) -> Result:
    """``senders`` concurrent senders, each sending ``turns`` timed turns in conversations of
    ``length`` turns (Rasa's per-turn work grows with a conversation's length). Every
    conversation is opened (verified, first answer checked) before the clock starts."""
    lengths = [length] * (turns // length) + ([turns % length] if turns % length else [])
    try:
        async with asyncio.timeout(PHASE_TIMEOUT):
            opened = await asyncio.gather(
                *(open_conversation(system, client, n) for _ in range(senders) for n in lengths)
            )
            lanes = [opened[i : i + len(lengths)] for i in range(0, len(opened), len(lengths))]
            started = time.perf_counter()
            samples = await asyncio.gather(*(closed_loop(system, lane) for lane in lanes))
            wall = time.perf_counter() - started
    except TimeoutError:
        raise StackError(
            f"{system.name}: {senders} sender(s) did not finish in {PHASE_TIMEOUT} s"
        ) from None
    return Result(system.name, senders, [s for lane in samples for s in lane], wall)


async def run_all(systems: list[System], args: argparse.Namespace) -> list[Result]:
    """Warm each system up, then one sender on each, then the concurrent senders on each:
    interleaved, so other load on the machine falls on both alike."""
    results = []
    async with httpx.AsyncClient(timeout=TURN_TIMEOUT) as client:
        for system in systems:
            await timed_turns(system, await open_conversation(system, client, WARM_UP))
        for senders, turns in ((1, args.turns), (args.senders, args.each)):
            for system in systems:
                results.append(await measure(system, client, senders, turns, args.each))
                print(f"  {system.name}, {senders} sender(s): done", flush=True)
    return results


def rasa_version() -> str:
    sites = [str(p) for p in (PROJECT_ROOT / ".venv-rasa" / "lib").glob("python*/site-packages")]
    for dist in importlib.metadata.distributions(name="rasa", path=sites):
        return dist.version
    raise StackError("Rasa is not installed in .venv-rasa; run `make install`")


def stock_assistant(logs: Path) -> tuple[Path, Path]:
    """The stock assistant's folder and model, made by ``rasa init`` the first time."""
    folder = CACHE / f"stock-rasa-{rasa_version()}"
    models = sorted((folder / "models").glob("*.tar.gz"))
    if models:
        return folder, models[-1]
    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    print("making the stock assistant with `rasa init` (once; about 2 minutes)...", flush=True)
    init = start(
        "rasa-init",
        [str(RASA), "init", "--no-prompt", "--init-dir", str(building)],
        {**os.environ, **RASA_ENV},
        logs,
        building,
    )
    try:
        init.process.wait(timeout=INIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise StackError(f"rasa init took over {INIT_TIMEOUT} s:\n{init.tail()}") from None
    finally:
        init.stop()
    if init.process.returncode != 0 or not list((building / "models").glob("*.tar.gz")):
        raise StackError(f"rasa init failed ({init.process.returncode}):\n{init.tail()}")
    building.rename(folder)
    return folder, next((folder / "models").glob("*.tar.gz"))


def print_table(results: list[Result], length: int) -> None:
    print(f"\nconversations of {length} timed turns, each from a new chat identity")
    print(f"{'system':<8}{'senders':>8}{'turns':>7}{'p50 ms':>9}{'p95 ms':>9}{'turns/s':>9}")
    for r in results:
        print(
            f"{r.system:<8}{r.senders:>8}{len(r.samples):>7}{r.p50 * 1000:>9.0f}"
            f"{r.p95 * 1000:>9.0f}{r.throughput:>9.1f}"
        )
    print()
    for senders in dict.fromkeys(r.senders for r in results):
        wazi, stock = (
            next(r for r in results if (r.system, r.senders) == (name, senders))
            for name in ("wazi", "stock")
        )
        ratio = wazi.p95 / stock.p95
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(
            f"p95 wazi / stock, {senders:>2} sender(s): {ratio:.2f} (target <= {TARGET}: {verdict})"
        )


def run(args: argparse.Namespace) -> None:
    model = args.model or model_path()
    if not model.exists():
        raise StackError(f"no trained model at {model}; run `make train` first")
    load_at_start = os.getloadavg()[0]  # other work on the machine, before ours
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="turns-", dir=CACHE) as tmp, ExitStack() as running:
        work = Path(tmp)
        folder, stock_model = stock_assistant(work)
        print(f"starting Wazi ({model.name}) and the stock assistant ({stock_model.name})...")
        stock_port = free_port()
        stock = start(
            "stock-rasa",
            rasa_run_args(stock_model, stock_port, folder / "endpoints.yml"),
            {**os.environ, **RASA_ENV},
            work,
            folder,
        )
        running.callback(stock.stop)
        wazi = running.enter_context(wazi_stack(model, work))
        stock_url = f"http://127.0.0.1:{stock_port}"
        wait_until_up(stock, f"{stock_url}/", time.monotonic() + START_TIMEOUT)
        systems = [
            System("wazi", wazi.rasa_url, QUESTION, prepare_wazi),
            System("stock", stock_url, STOCK_MESSAGE, prepare_stock),
        ]
        results = asyncio.run(run_all(systems, args))
        load_at_end = os.getloadavg()[0]
    print_table(results, args.each)
    print(
        f"load average (1 min) at start / end: {load_at_start:.2f} / {load_at_end:.2f}, "
        f"{os.cpu_count()} cores"
    )


def make_stock() -> int:
    """``--make-stock``: the cached stock assistant, made now if missing (``make test`` makes it
    while the unit tests run, so the benchmarks' end-to-end tests do not wait for it)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stock-", dir=CACHE) as logs:
        try:
            _folder, model = stock_assistant(Path(logs))
        except StackError as exc:
            print(f"bench/turns.py: {exc}", file=sys.stderr)
            return 1
    print(f"stock assistant: {model.relative_to(PROJECT_ROOT)}")
    return 0


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--turns", type=int, default=100, help="timed turns of the single sender (100)"
    )
    parser.add_argument("--senders", type=int, default=20, help="concurrent senders (20)")
    parser.add_argument(
        "--turns-each",
        dest="each",
        type=int,
        default=10,
        help="timed turns of each concurrent sender, and of every conversation (10)",
    )
    parser.add_argument(
        "--model", type=Path, help="Wazi's model (default: `make train`'s, for the current inputs)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 6 turns, then 4 senders x 3 turns"
    )
    parser.add_argument(
        "--make-stock",
        action="store_true",
        help="only make the stock assistant (cached in .cache/bench/) if it is missing, then exit",
    )
    args = parser.parse_args(argv)
    if args.make_stock:
        return make_stock()
    if args.quick:
        args.turns, args.senders, args.each = 6, 4, 3
    if args.turns < 2 or args.senders < 1 or args.senders * args.each < 2:
        parser.error("need at least 2 timed turns in each phase")
    signal.signal(signal.SIGTERM, _stop)
    try:
        run(args)
    except (StackError, WrongAnswer, httpx.HTTPError) as exc:
        print(f"bench/turns.py: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench/turns.py: interrupted; every server is stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
