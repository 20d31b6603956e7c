"""How much Wazi serves under load: closed-loop concurrent senders on loopback against the
single-machine default, the production profile and a stock ``rasa init`` assistant served the
same way, in the same run; with each server's resident memory and CPU time under load.

Run: ``make bench-load`` (or ``.venv/bin/python bench/load.py [--quick] [--soak 600]``). Starts
the systems named by ``--systems`` on free loopback ports: ``local`` (``wazi_stack``: SQLite, one
Rasa, one action server, one NLG endpoint), ``production`` (``production_stack``: two of each
behind nginx, PostgreSQL at ``WAZI_TEST_POSTGRES_URL``, Redis lock store) and ``stock`` (the
cached ``rasa init`` assistant of ``bench/turns.py``). Then, on each system in turn, after an
untimed warm-up conversation, ``--senders`` senders talk for ``--duration`` seconds or until
``--max-turns`` turns, whichever comes first. Closed loop: each sender sends its next message as
soon as it has the answer to the last.

The mix. Every Wazi conversation comes from a new chat identity, chooses English and verifies as
one of four demo clients with one loan (the question, the phone, the birth date: 4 turns, timed
separately and not in the percentiles), then sends ``--length`` turns, choosing each time a loan
question (typed: balance, next payment, schedule, total cost), the next step of a lesson (menu,
parts, quiz, next lesson: the buttons' payloads) or a whole complaint form (4 turns: the typed
request, a category, a description, anonymity), weighted so that about 70% of the turns are loan
questions, 20% lessons and 10% complaints. Then a new conversation: Rasa's work per turn grows
with the length of the conversation (it rebuilds the tracker from all its events), so one long
conversation per sender would measure that instead. The stock assistant can do nothing but chat,
so its mix is "hello" (its greet turn), in conversations of the same length.

Every answer is checked: a loan answer must contain the loan engine's own reply for that client
(computed from the system's database); a complaint step the next question and finally a receipt
with a ticket; a lesson step a lesson's part, quiz question or end, or the menu (its shape only:
lesson progress belongs to the person across chats, and the senders share four demo clients).
A wrong answer or an HTTP error is an error: it is printed, ends that conversation, and makes
the exit code 1.

Prints per system: senders, turns (all answered turns, verification included), errors,
throughput (all turns per second of load), p50/p95/p99 of the mix's turns; the verification
turns' percentiles; production throughput over stock (target at least 1.5) and production's p95
(target under 1 s), as MET or NOT MET: figures, never asserted. Then each server's resident
memory (its whole process group, from /proc) at the start and end of load and its peak, and
the CPU time each server, the senders (this process) and the rest of the machine (PostgreSQL,
Redis, ...) used during load, per answered turn and as cores kept busy.
``--soak SECONDS`` runs the production profile alone for that long, prints memory every 30 s and
each server's growth after warm-up, per 1,000 turns, flagging GROWING a server whose memory grew
by more than 10% over the last half. PostgreSQL and Redis are shared services, not measured.
Exits 1 if a server does not start or an answer is wrong, 130 on Ctrl-C; every server is
stopped either way.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select

# bench/ is not a package: bench/turns.py is importable because Python puts a script's folder
# first on sys.path.
from turns import CACHE, TURN_TIMEOUT, WrongAnswer, stock_assistant

from bot import replies
from bot.complaints import chat as complaint_chat
from bot.complaints.rules import Category
from bot.db.models import Client
from bot.db.session import make_engine, session_scope
from bot.devstack import (
    DEMO_TODAY,
    RASA_ENV,
    START_TIMEOUT,
    Server,
    Stack,
    StackError,
    free_port,
    production_stack,
    rasa_run_args,
    start,
    wait_until_up,
    wazi_stack,
)
from bot.i18n import gettext
from bot.lessons import tutor
from bot.loan_answers import client_loans
from bot.training import model_path

SYSTEMS = ("local", "production", "stock")
THROUGHPUT_TARGET = 1.5  # production turns/s over the stock assistant's
P95_TARGET = 1.0  # seconds, production, at the chosen number of senders
POSTGRES_URL = os.environ.get(
    "WAZI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
WARM_UP = 12  # untimed mix turns on each system before its load
SAMPLE_EVERY = 1.0  # seconds between memory samples (for the peak)
SOAK_REPORT_EVERY = 30.0  # seconds between printed samples in --soak
SOAK_WARM_UP = 60.0  # seconds of a soak before its memory baseline
GROWING = 0.10  # more RSS growth than this over a soak's last half is flagged
SPARE = 120  # seconds a system's load may overrun --duration before it is abandoned
MAX_ERRORS_SHOWN = 20
MAX_ERRORS = 500  # a system's senders stop after this many
SENDERS, MACHINE = "senders", "machine"  # CPU time of this process, of the whole machine

# The demo clients with one loan (so no which-loan question), all answered in English.
CLIENTS = (
    ("+254712000001", "1988-04-12"),
    ("+525512000002", "1979-11-30"),
    ("+221770000003", "1992-02-20"),
    ("+919812000004", "1985-07-07"),
)
LOAN_QUESTIONS = {
    replies.BALANCE: "what is my balance",
    replies.NEXT_PAYMENT: "when is my next payment",
    replies.SCHEDULE: "show me my payment schedule",
    replies.TOTAL_COST: "how much will the loan cost in total",
}
# Items drawn per choice: a complaint is 4 turns, so 28:8:1 items are 70:20:10 turns.
MIX = {"loan": 28, "lesson": 8, "complaint": 1}
CATEGORIES = (Category.WRONG_CHARGE, Category.PAYMENT_NOT_RECORDED, Category.STAFF_BEHAVIOUR)
DESCRIPTIONS = (
    "The officer charged me a fee of 500 twice at the market on Monday.",
    "I paid my installment at the agent last Friday but it does not show.",
    "The loan officer shouted at me in front of my customers yesterday.",
)
TICKET = re.compile(r"WZ-\d{4}-\d{6}")
LESSON_PART = re.compile(r"(?P<title>.+) \((?P<step>\d+)/(?P<steps>\d+)\)\n")
STOCK_MESSAGE = "hello"


def _(message: str) -> str:
    return gettext("en", message)


def head(message: str) -> str:
    """A translatable message's text before its first placeholder."""
    return _(message).split("%(")[0]


# --- talking -------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one system's senders did under load."""

    mix: list[float] = field(default_factory=list)  # seconds per mix turn
    verify: list[float] = field(default_factory=list)  # seconds per verification turn
    errors: list[str] = field(default_factory=list)
    turns: int = 0  # answered turns, both kinds
    stop_at: float = float("inf")  # time.monotonic() when senders stop
    max_turns: int = sys.maxsize

    def done(self) -> bool:
        return (
            time.monotonic() >= self.stop_at
            or self.turns >= self.max_turns
            or len(self.errors) >= MAX_ERRORS
        )


@dataclass
class Chat:
    """One chat identity talking to a Rasa server's REST channel, timing each turn."""

    client: httpx.AsyncClient
    rasa_url: str
    tally: Tally
    sender: str = field(default_factory=lambda: f"load-{uuid.uuid4().hex}")

    async def say(self, text: str, verifying: bool = False) -> list[dict]:
        started = time.perf_counter()
        response = await self.client.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
        )
        response.raise_for_status()
        messages = response.json()
        (self.tally.verify if verifying else self.tally.mix).append(time.perf_counter() - started)
        self.tally.turns += 1
        if not messages or not any(m.get("text") for m in messages):
            raise WrongAnswer(f"{text!r} got no text: {messages!r}")
        return messages


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def expect(condition: bool, sent: str, messages: list[dict], wanted: str) -> None:
    if not condition:
        raise WrongAnswer(f"{sent!r} answered {texts(messages)[:300]!r}; expected {wanted}")


def lesson_shaped(messages: list[dict]) -> bool:
    """Whether an answer is a lesson step: a part, a quiz question, the end of a lesson, the
    menu or "all done", after any of the notes that may come first."""
    last = messages[-1]["text"]
    ends = (head(tutor.QUESTION), head(tutor.FINISHED), _(tutor.MENU), _(tutor.ALL_DONE))
    notes = tuple(
        head(note)
        for note in (
            tutor.RIGHT,
            tutor.WRONG,
            tutor.WELCOME_BACK,
            tutor.NOT_THIS_LESSON,
            tutor.ALREADY_ANSWERED,
            tutor.IN_ENGLISH,
        )
    )
    return (bool(LESSON_PART.match(last)) or last.startswith(ends)) and all(
        m.get("text", "").startswith(notes) for m in messages[:-1]
    )


class Lesson:
    """The next lesson step of a conversation, chosen from the buttons of the last one.

    Lesson progress belongs to the person, across chats, and the senders share four demo
    clients: another conversation may move a lesson on in between, so each answer is checked
    for its shape (``lesson_shaped``), not for one part number."""

    def __init__(self) -> None:
        self.send = "/lessons"

    def follow(self, messages: list[dict], rng: random.Random) -> None:
        payloads = [b["payload"] for b in messages[-1].get("buttons") or []]
        for wanted in ("/lesson_continue", "/lesson_answer", "/lesson_open", "/next_lesson"):
            found = [p for p in payloads if p.startswith(wanted)]
            if found:
                self.send = rng.choice(found)
                return
        self.send = "/lessons"


async def lesson_step(chat: Chat, lesson: Lesson, rng: random.Random) -> int:
    sent = lesson.send
    messages = await chat.say(sent)
    expect(lesson_shaped(messages), sent, messages, "a lesson step")
    lesson.follow(messages, rng)
    return 1


async def complaint(chat: Chat, rng: random.Random) -> int:
    """A whole complaint form, each step a turn: 4 turns."""
    messages = await chat.say("I want to complain")
    expect(
        messages[-1]["text"].startswith(_(complaint_chat.ASK_CATEGORY)),
        "I want to complain",
        messages,
        "the categories",
    )
    category = rng.choice(CATEGORIES).value
    messages = await chat.say(category)
    expect(texts(messages) == _(complaint_chat.ASK_DESCRIPTION), category, messages, "a question")
    description = rng.choice(DESCRIPTIONS)
    messages = await chat.say(description)
    payloads = [b["payload"] for b in messages[-1].get("buttons") or []]
    expect(payloads == ["anonymous:no", "anonymous:yes"], description, messages, "anonymity")
    choice = rng.choice(payloads)
    messages = await chat.say(choice)
    expect(
        texts(messages).startswith(head(complaint_chat.RECEIVED))
        and TICKET.search(texts(messages)) is not None,
        choice,
        messages,
        "a receipt with a ticket",
    )
    return 4


async def wazi_conversation(
    client: httpx.AsyncClient,
    url: str,
    tally: Tally,
    rng: random.Random,
    answers: dict[tuple[str, str], str],
    length: int,
) -> None:
    """Verify as a demo client (4 turns), then ``length`` turns of the mix."""
    chat = Chat(client, url, tally)
    phone, born = rng.choice(CLIENTS)
    english = '/choose_language{"language": "en"}'
    messages = await chat.say(english, verifying=True)
    expect("English" in texts(messages), english, messages, "English chosen")
    question = LOAN_QUESTIONS[replies.BALANCE]
    messages = await chat.say(question, verifying=True)
    expect("phone number" in texts(messages), question, messages, "a question for the phone")
    messages = await chat.say(phone, verifying=True)
    expect("date of birth" in texts(messages), "the phone", messages, "a question for the birth")
    messages = await chat.say(born, verifying=True)
    wanted = answers[phone, replies.BALANCE]
    expect(wanted in texts(messages), "the birth date", messages, repr(wanted))
    lesson = Lesson()
    sent = 0
    while sent < length and not tally.done():
        kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        if kind == "loan":
            key, question = rng.choice(list(LOAN_QUESTIONS.items()))
            messages = await chat.say(question)
            wanted = answers[phone, key]
            expect(wanted in texts(messages), question, messages, repr(wanted))
            sent += 1
        elif kind == "lesson":
            sent += await lesson_step(chat, lesson, rng)
        else:
            sent += await complaint(chat, rng)


async def stock_conversation(
    client: httpx.AsyncClient, url: str, tally: Tally, greeting: list[str], length: int
) -> None:
    """``length`` greet turns; every answer must be the first one seen."""
    chat = Chat(client, url, tally)
    for _turn in range(length):
        if tally.done():
            return
        said = texts(await chat.say(STOCK_MESSAGE))
        if not greeting:
            greeting.append(said)
        elif said != greeting[0]:
            raise WrongAnswer(f"{STOCK_MESSAGE!r} answered {said!r}, not {greeting[0]!r}")


# --- systems -------------------------------------------------------------------------------------


@dataclass
class System:
    name: str
    rasa_url: str
    servers: dict[str, Server]
    answers: dict[tuple[str, str], str]  # (phone, question) -> the loan engine's reply
    greeting: list[str] = field(default_factory=list)  # stock: its answer to "hello"

    async def conversation(
        self, client: httpx.AsyncClient, tally: Tally, rng: random.Random, length: int
    ) -> None:
        if self.name == "stock":
            await stock_conversation(client, self.rasa_url, tally, self.greeting, length)
        else:
            await wazi_conversation(client, self.rasa_url, tally, rng, self.answers, length)


def loan_answers(database_url: str) -> dict[tuple[str, str], str]:
    """What Wazi must answer each demo client to each question, from the loan engine."""
    today = dt.date.fromisoformat(DEMO_TODAY)
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            found = {}
            for phone, _born in CLIENTS:
                client = session.scalars(select(Client).where(Client.phone == phone)).one()
                loans = client_loans(session, client.id, today)
                for key in LOAN_QUESTIONS:
                    reply = replies.answer(key, loans, language="en", today=today)
                    found[phone, key] = reply.text
            return found
    finally:
        engine.dispose()


# --- memory and CPU time -------------------------------------------------------------------------


TICKS = os.sysconf("SC_CLK_TCK")  # /proc's CPU times are in these per second


@dataclass(frozen=True)
class Usage:
    """One process group's resident memory (KiB), processes and CPU time (s) at one moment."""

    rss: int = 0
    procs: int = 0
    cpu: float = 0.0


def group_usage(pgids: set[int]) -> dict[int, Usage]:
    """For each process group in ``pgids``: its resident memory, number of processes and the
    CPU time its live processes have used so far, from one scan of /proc."""
    found = dict.fromkeys(pgids, Usage())
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
            pgid = int(stat[2])
            if pgid not in found:
                continue
            cpu = (int(stat[11]) + int(stat[12])) / TICKS  # utime + stime
            for line in Path(entry.path, "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    was = found[pgid]
                    found[pgid] = Usage(
                        was.rss + int(line.split()[1]), was.procs + 1, was.cpu + cpu
                    )
                    break
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue  # the process ended while we read it
    return found


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores; not idle, not waiting on I/O)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


def own_cpu() -> float:
    """CPU seconds this process (the senders) has used."""
    times = os.times()
    return times.user + times.system


@dataclass
class Memory:
    """Samples of each server's resident memory (KiB) while a system is under load, and the
    CPU time each server, the senders and the whole machine used between the first sample and
    the last."""

    servers: dict[str, Server]
    samples: list[tuple[float, int, dict[str, int]]] = field(default_factory=list)
    procs: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, tuple[float, float]] = field(default_factory=dict)  # first, last sample

    def sample(self, elapsed: float, turns: int) -> dict[str, int]:
        groups = group_usage({server.process.pid for server in self.servers.values()})
        groups_cpu = {name: groups[s.process.pid].cpu for name, s in self.servers.items()}
        moment = {**groups_cpu, SENDERS: own_cpu(), MACHINE: machine_busy()}
        for name, seconds in moment.items():
            self.cpu[name] = (self.cpu.get(name, (seconds, seconds))[0], seconds)
        now = {}
        for name, server in self.servers.items():
            now[name] = groups[server.process.pid].rss
            self.procs[name] = max(self.procs.get(name, 0), groups[server.process.pid].procs)
        self.samples.append((elapsed, turns, now))
        return now

    def peak(self, name: str) -> int:
        return max(rss[name] for _t, _n, rss in self.samples)

    def cpu_used(self, name: str) -> float:
        first, last = self.cpu[name]
        return last - first


async def watch(memory: Memory, tally: Tally, started: float, soak: bool) -> None:
    """Sample memory every second (for the peak); in a soak print a sample every 30 s."""
    shown, turns = 0.0, 0
    names = list(memory.servers)
    if soak:
        print(f"  soak: each server's RSS, MiB, every {SOAK_REPORT_EVERY:.0f} s", flush=True)
        print(f"  {'seconds':>7}{'turns':>8}{'turns/s':>8}" + "".join(f"{n:>10}" for n in names))
    while True:
        await asyncio.sleep(SAMPLE_EVERY)
        elapsed = time.monotonic() - started
        now = memory.sample(elapsed, tally.turns)
        if soak and elapsed - shown >= SOAK_REPORT_EVERY:
            rate = (tally.turns - turns) / (elapsed - shown)
            shown, turns = elapsed, tally.turns
            cells = "".join(f"{now[n] / 1024:>10.1f}" for n in names)
            print(f"  {elapsed:>7.0f}{tally.turns:>8}{rate:>8.1f}{cells}", flush=True)


# --- load ----------------------------------------------------------------------------------------


@dataclass
class Result:
    system: str
    senders: int
    tally: Tally
    wall: float
    memory: Memory

    @property
    def throughput(self) -> float:
        return self.tally.turns / self.wall


def percentile(samples: list[float], p: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


async def sender(
    system: System, client: httpx.AsyncClient, tally: Tally, seed: int, length: int
) -> None:
    """One closed-loop sender: conversation after conversation until the load ends."""
    rng = random.Random(seed)
    while not tally.done():
        try:
            await system.conversation(client, tally, rng, length)
        except (WrongAnswer, httpx.HTTPError, KeyError, ValueError) as exc:
            tally.errors.append(f"{system.name}: {type(exc).__name__}: {exc}")


async def load(system: System, args: argparse.Namespace, soak: bool) -> Result:
    limits = httpx.Limits(max_connections=args.senders + 4)
    async with httpx.AsyncClient(timeout=TURN_TIMEOUT, limits=limits) as client:
        warm = Tally(max_turns=WARM_UP)
        await sender(system, client, warm, seed=-1, length=WARM_UP)
        tally = Tally(errors=warm.errors, max_turns=args.max_turns)
        memory = Memory(system.servers)
        started = time.monotonic()
        memory.sample(0.0, 0)
        tally.stop_at = started + args.duration
        watcher = asyncio.create_task(watch(memory, tally, started, soak))
        try:
            async with asyncio.timeout(args.duration + SPARE):
                await asyncio.gather(
                    *(
                        sender(system, client, tally, seed, args.length)
                        for seed in range(args.senders)
                    )
                )
        except TimeoutError:
            raise StackError(
                f"{system.name}: the senders did not stop within {SPARE} s of the end"
            ) from None
        finally:
            watcher.cancel()
        wall = time.monotonic() - started
        memory.sample(wall, tally.turns)
    return Result(system.name, args.senders, tally, wall, memory)


# --- output --------------------------------------------------------------------------------------


def print_results(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\n{args.senders} closed-loop senders, {args.duration:.0f} s or {args.max_turns} turns "
        f"per system; conversations of 4 verification turns (Wazi) and {args.length} turns of "
        "the mix, each from a new chat identity; turns/s counts every answered turn, the "
        "percentiles the mix's turns only (stock: its greet turn)"
    )
    print(
        f"{'system':<11}{'senders':>8}{'turns':>8}{'errors':>7}{'turns/s':>9}"
        f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
    )
    for r in results:
        mix = r.tally.mix
        print(
            f"{r.system:<11}{r.senders:>8}{r.tally.turns:>8}{len(r.tally.errors):>7}"
            f"{r.throughput:>9.1f}{percentile(mix, 50) * 1000:>8.0f}"
            f"{percentile(mix, 95) * 1000:>8.0f}{percentile(mix, 99) * 1000:>8.0f}"
        )
    verifying = [r for r in results if r.tally.verify]
    if verifying:
        print("verification turns (timed separately):")
        for r in verifying:
            v = r.tally.verify
            print(
                f"{r.system:<11}{'':>8}{len(v):>8}{'':>7}{'':>9}{percentile(v, 50) * 1000:>8.0f}"
                f"{percentile(v, 95) * 1000:>8.0f}{percentile(v, 99) * 1000:>8.0f}"
            )
    by_name = {r.system: r for r in results}
    print()
    if "production" in by_name and "stock" in by_name:
        ratio = by_name["production"].throughput / by_name["stock"].throughput
        verdict = "MET" if ratio >= THROUGHPUT_TARGET else "NOT MET"
        print(
            f"throughput production / stock: {ratio:.2f} (target >= {THROUGHPUT_TARGET}: {verdict})"
        )
    if "production" in by_name:
        p95 = percentile(by_name["production"].tally.mix, 95)
        verdict = "MET" if p95 < P95_TARGET else "NOT MET"
        print(
            f"p95 production at {args.senders} senders: {p95 * 1000:.0f} ms "
            f"(target < {P95_TARGET * 1000:.0f} ms: {verdict})"
        )
    for r in results:
        for error in r.tally.errors[:MAX_ERRORS_SHOWN]:
            print(f"ERROR {error}")
        if len(r.tally.errors) > MAX_ERRORS_SHOWN:
            print(f"ERROR {r.system}: {len(r.tally.errors) - MAX_ERRORS_SHOWN} more")


def print_memory(results: list[Result]) -> None:
    print("\nresident memory under load, MiB (each server's whole process group)")
    print(f"{'system':<11}{'process':<12}{'procs':>6}{'start':>9}{'end':>9}{'peak':>9}")
    for r in results:
        first, last = r.memory.samples[0][2], r.memory.samples[-1][2]
        for name in r.memory.servers:
            print(
                f"{r.system:<11}{name:<12}{r.memory.procs[name]:>6}{first[name] / 1024:>9.1f}"
                f"{last[name] / 1024:>9.1f}{r.memory.peak(name) / 1024:>9.1f}"
            )


def print_cpu(results: list[Result]) -> None:
    print(
        "\nCPU time under load, ms per answered turn (each server's live processes; senders: "
        "this benchmark; other: the rest of the machine, PostgreSQL and Redis included)"
    )
    print(f"{'system':<11}{'process':<12}{'ms/turn':>9}{'cores':>7}")
    for r in results:
        turns = max(r.tally.turns, 1)
        servers = sum(r.memory.cpu_used(name) for name in r.memory.servers)
        other = r.memory.cpu_used(MACHINE) - servers - r.memory.cpu_used(SENDERS)
        rows = [(name, r.memory.cpu_used(name)) for name in r.memory.servers]
        rows += [(SENDERS, r.memory.cpu_used(SENDERS)), ("other", other)]
        rows += [("all", r.memory.cpu_used(MACHINE))]
        for name, seconds in rows:
            print(f"{r.system:<11}{name:<12}{seconds / turns * 1000:>9.1f}{seconds / r.wall:>7.2f}")


def print_soak(result: Result) -> None:
    samples = result.memory.samples
    base = next((s for s in samples if s[0] >= SOAK_WARM_UP), samples[0])
    if base is samples[-1]:  # a soak too short for a warm-up
        base = samples[0]
    middle = next(s for s in samples if s[0] >= samples[-1][0] / 2)
    last = samples[-1]
    turns = last[1] - base[1]
    print(
        f"\nsoak memory: from t={base[0]:.0f} s (after warm-up) to t={last[0]:.0f} s, "
        f"{turns} turns; last half from t={middle[0]:.0f} s"
    )
    print(
        f"{'process':<12}{'base MiB':>9}{'last MiB':>9}{'growth':>9}{'/1k turns':>10}"
        f"{'last half':>10}"
    )
    for name in result.memory.servers:
        grown = (last[2][name] - base[2][name]) / 1024
        per_k = grown / (turns / 1000) if turns else float("nan")
        half = (last[2][name] - middle[2][name]) / max(middle[2][name], 1)
        flag = "  GROWING" if half > GROWING else ""
        print(
            f"{name:<12}{base[2][name] / 1024:>9.1f}{last[2][name] / 1024:>9.1f}{grown:>+9.1f}"
            f"{per_k:>+10.2f}{half:>+10.1%}{flag}"
        )


# --- running -------------------------------------------------------------------------------------


def _enter(name: str, work: Path, model: Path) -> tuple[Stack, ExitStack]:
    """Start one of Wazi's stacks and wait until it answers; the ExitStack stops it."""
    (work / name).mkdir()
    stops = ExitStack()
    if name == "local":
        stack = stops.enter_context(wazi_stack(model, work / name))
    else:
        stack = stops.enter_context(production_stack(model, work / name, POSTGRES_URL))
    return stack, stops


def start_systems(names: list[str], running: ExitStack, work: Path, model: Path) -> list[System]:
    """Start the systems at the same time (Rasa loads its model on one core); wait for all.
    Whatever started is stopped when ``running`` ends, also after an error or Ctrl-C (which,
    with two of Wazi's stacks starting, waits until both are up or failed)."""
    systems = []
    started = time.monotonic()
    if "stock" in names:
        folder, stock_model = stock_assistant(work)
        port = free_port()
        stock = start(
            "stock-rasa",
            rasa_run_args(stock_model, port, folder / "endpoints.yml"),
            {**os.environ, **RASA_ENV},
            work,
            folder,
        )
        running.callback(stock.stop)
    wazi = [name for name in names if name != "stock"]

    def up(name: str, stack: Stack) -> None:
        answers = loan_answers(stack.database_url)
        systems.append(System(name, stack.rasa_url, stack.servers, answers))
        print(f"  {name}: up after {time.monotonic() - started:.0f} s", flush=True)

    if len(wazi) == 1:  # no thread needed
        stack, stops = _enter(wazi[0], work, model)
        running.callback(stops.close)
        up(wazi[0], stack)
    elif wazi:
        with ThreadPoolExecutor(max_workers=len(wazi)) as pool:
            futures = {name: pool.submit(_enter, name, work, model) for name in wazi}
            try:
                for name, future in futures.items():
                    up(name, future.result()[0])
            finally:
                wait(futures.values())
                for future in futures.values():
                    if future.exception() is None:
                        running.callback(future.result()[1].close)
    if "stock" in names:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(stock, f"{url}/", time.monotonic() + START_TIMEOUT)
        systems.append(System("stock", url, {"rasa": stock}, {}))
        print(f"  stock: up after {time.monotonic() - started:.0f} s", flush=True)
    return sorted(systems, key=lambda s: names.index(s.name))


def run(args: argparse.Namespace) -> int:
    model = args.model or model_path()
    if not model.exists():
        raise StackError(f"no trained model at {model}; run `make train` first")
    load_at_start = os.getloadavg()
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="load-", dir=CACHE) as tmp, ExitStack() as running:
        print(f"starting {', '.join(args.systems)} ({model.name})...", flush=True)
        systems = start_systems(args.systems, running, Path(tmp), model)
        results = []
        for system in systems:
            print(
                f"  {system.name}: {args.senders} senders for {args.duration:.0f} s...", flush=True
            )
            results.append(asyncio.run(load(system, args, soak=args.soak is not None)))
        load_at_end = os.getloadavg()
    print_results(results, args)
    print_memory(results)
    print_cpu(results)
    if args.soak is not None:
        print_soak(results[0])
    print(
        "\nload average (1, 5, 15 min) at start: {:.2f} {:.2f} {:.2f}; ".format(*load_at_start)
        + "at end: {:.2f} {:.2f} {:.2f}; ".format(*load_at_end)
        + f"{os.cpu_count()} cores"
    )
    return 1 if any(r.tally.errors for r in results) else 0


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--senders", type=int, default=40, help="concurrent senders (40)")
    parser.add_argument(
        "--duration", type=float, default=60, help="seconds of load per system (60)"
    )
    parser.add_argument(
        "--max-turns", type=int, default=100_000, help="at most this many turns per system"
    )
    parser.add_argument(
        "--length", type=int, default=12, help="mix turns per conversation, after verifying (12)"
    )
    parser.add_argument(
        "--systems",
        default=",".join(SYSTEMS),
        help=f"comma-separated, of {', '.join(SYSTEMS)} (all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 4 senders, 8 s per system"
    )
    parser.add_argument(
        "--soak",
        type=float,
        metavar="SECONDS",
        help="run the production profile alone this long, printing memory every 30 s",
    )
    parser.add_argument(
        "--model", type=Path, help="Wazi's model (default: `make train`'s, for the current inputs)"
    )
    args = parser.parse_args(argv)
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    if unknown := set(args.systems) - set(SYSTEMS):
        parser.error(f"unknown system(s): {', '.join(sorted(unknown))}")
    if args.quick:
        args.senders, args.duration, args.length = 4, 8.0, 8
    if args.soak is not None:
        args.systems, args.duration = ["production"], args.soak
    if args.senders < 1 or args.duration <= 0 or args.length < 1 or not args.systems:
        parser.error("need at least one sender, system and turn, for some time")
    signal.signal(signal.SIGTERM, _stop)
    try:
        return run(args)
    except (StackError, WrongAnswer, httpx.HTTPError) as exc:
        print(f"bench/load.py: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench/load.py: interrupted; every server is stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
