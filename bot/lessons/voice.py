"""Lesson text as a voice note: espeak-ng speaks it, opusenc packs it as OGG/Opus.

OGG/Opus is what Telegram's ``sendVoice`` and WhatsApp's voice messages want, and what browsers
play in an ``<audio>`` element. ``speak`` runs ``espeak-ng`` (WAV on its standard output) and
feeds that WAV to ``opusenc --quiet - -``; nothing else here touches the outside world.

A language Wazi has no voice for raises ``VoiceError``: reading Swahili words with an English
voice would sound worse than sending no voice note at all, and the text is in the chat anyway.
A regional tag (``sw-KE``, ``fr_FR``) uses the voice of its language.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import unicodedata

ESPEAK = "espeak-ng"
OPUSENC = "opusenc"

# Wazi's languages -> espeak-ng voices (``espeak-ng --voices`` lists them; "en" is en-gb).
VOICES: dict[str, str] = {
    "en": "en",
    "sw": "sw",
    "fr": "fr-fr",
    "es": "es-419",
    "hi": "hi",
}
RATE = 150  # words per minute: a little slower than espeak-ng's 175, for new words and numbers
TIMEOUT = 20.0  # seconds for both programs together

# Characters read badly or not at all: emoji and other pictographs (So, and the skin tones in
# Sk), ▶ and friends, keycap enclosers (Me), joiners and other format characters (Cf), private
# use, surrogates and unassigned code points.
_DROPPED_CATEGORIES = frozenset({"So", "Sk", "Me", "Cf", "Co", "Cs", "Cn"})
_VARIATION_SELECTORS = frozenset(chr(c) for c in range(0xFE00, 0xFE10))


class VoiceError(RuntimeError):
    """No voice note could be made; the message says why (never the text itself)."""


def available() -> bool:
    """Whether both espeak-ng and opusenc are on the PATH."""
    return shutil.which(ESPEAK) is not None and shutil.which(OPUSENC) is not None


def voice_for(language: str) -> str:
    """The espeak-ng voice for a language tag, or VoiceError."""
    base = language.replace("_", "-").split("-", 1)[0].strip().lower()
    try:
        return VOICES[base]
    except KeyError:
        raise VoiceError(f"no voice for language {language!r}") from None


def speakable(text: str) -> str:
    """``text`` without what espeak-ng reads badly (emoji, ▶), its spacing tidied."""
    kept = (
        " " if ch in _VARIATION_SELECTORS or unicodedata.category(ch) in _DROPPED_CATEGORIES else ch
        for ch in text
    )
    lines = (" ".join(line.split()) for line in "".join(kept).splitlines())
    return "\n".join(line for line in lines if line)


def speak(text: str, language: str, timeout: float = TIMEOUT) -> bytes:
    """``text`` spoken in ``language``, as the bytes of an OGG/Opus file; VoiceError when
    there is no voice, nothing to say, a program is missing, fails or takes over ``timeout``."""
    voice = voice_for(language)
    words = speakable(text)
    if not words:
        raise VoiceError("nothing to say once emoji and symbols are left out")
    espeak, opusenc = shutil.which(ESPEAK), shutil.which(OPUSENC)
    if espeak is None or opusenc is None:
        raise VoiceError(f"{ESPEAK if espeak is None else OPUSENC} is not installed")
    deadline = time.monotonic() + timeout
    # The text goes on standard input (-b 1: UTF-8), so one starting with "-" is no option.
    command = [espeak, "-v", voice, "-s", str(RATE), "-b", "1", "--stdin", "--stdout"]
    wav = _run(command, words.encode("utf-8"), deadline)
    ogg = _run([opusenc, "--quiet", "-", "-"], wav, deadline)
    if not ogg.startswith(b"OggS"):
        raise VoiceError(f"{OPUSENC} wrote something that is not an OGG file")
    return ogg


def _run(command: list[str], data: bytes, deadline: float) -> bytes:
    name = command[0].rsplit("/", 1)[-1]
    left = deadline - time.monotonic()
    if left <= 0:
        raise VoiceError(f"no time left for {name}")
    try:
        result = subprocess.run(command, input=data, capture_output=True, timeout=left, check=False)
    except subprocess.TimeoutExpired:
        raise VoiceError(f"{name} took too long") from None
    except OSError as exc:
        raise VoiceError(f"{name} could not run: {exc.strerror or exc}") from exc
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = f": {detail[-1][:200]}" if detail else ""
        raise VoiceError(f"{name} failed with exit status {result.returncode}{reason}")
    if not result.stdout:
        raise VoiceError(f"{name} wrote nothing")
    return result.stdout
