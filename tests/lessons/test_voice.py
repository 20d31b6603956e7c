"""bot.lessons.voice: lesson text spoken by espeak-ng and packed as OGG/Opus by opusenc."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest

from bot.lessons import voice
from tests.channels.fake_telegram import is_ogg_opus

SAMPLES = {
    "en": "Interest is the price of borrowing money.",
    "sw": "Riba ni gharama ya kukopa pesa.",
    "fr": "L'intérêt est le prix de l'argent emprunté.",
    "es": "El interés es el precio de pedir dinero prestado.",
    "hi": "ब्याज पैसे उधार लेने की कीमत है।",
}


def test_every_wazi_language_has_an_installed_espeak_voice() -> None:
    listed = subprocess.run(
        ["espeak-ng", "--voices"], capture_output=True, text=True, check=True, timeout=10
    ).stdout
    names = {line.split()[1] for line in listed.splitlines()[1:]}  # each voice's language
    names.update(re.findall(r"\(([\w-]+) \d+\)", listed))  # aliases: "(en 2)" for en-gb
    assert set(voice.VOICES) == set(SAMPLES)
    assert set(voice.VOICES.values()) <= names


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_speak_returns_ogg_opus_in_each_language(language: str) -> None:
    ogg = voice.speak(SAMPLES[language], language)

    assert ogg.startswith(b"OggS")
    assert b"OpusHead" in ogg and is_ogg_opus(ogg)
    assert len(ogg) > 2000  # a second or more of speech, not just the headers


def test_a_longer_text_makes_a_longer_note_and_a_regional_tag_uses_its_language() -> None:
    short = voice.speak("Riba.", "sw")
    long = voice.speak(SAMPLES["sw"] * 3, "sw-KE")

    assert is_ogg_opus(long)
    assert len(long) > 2 * len(short)


def test_an_unknown_language_is_a_voice_error_not_english() -> None:
    """Documented choice: another language's voice would mangle the words; no note at all."""
    with pytest.raises(voice.VoiceError, match="no voice for language 'de'"):
        voice.speak("Zinsen sind der Preis des Geldes.", "de")


def test_emoji_and_arrows_are_not_read() -> None:
    assert voice.speakable("Next ▶") == "Next"
    assert voice.speakable("👍🏽 Well done! 🎉\n\n  1️⃣ First") == "Well done!\n1 First"
    assert voice.speakable("ब्याज ₹500 है।") == "ब्याज ₹500 है।"  # Devanagari signs stay


def test_nothing_left_to_say_is_a_voice_error() -> None:
    with pytest.raises(voice.VoiceError, match="nothing to say"):
        voice.speak("▶ 👍 🎉", "en")


def test_a_text_that_looks_like_an_option_is_spoken() -> None:
    assert is_ogg_opus(voice.speak("-v xx --help", "en"))


def test_available_is_false_when_the_path_has_neither_program(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert voice.available()
    monkeypatch.setenv("PATH", str(tmp_path))

    assert not voice.available()
    with pytest.raises(voice.VoiceError, match="espeak-ng is not installed"):
        voice.speak("Hello", "en")


def _program(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_available_needs_both_programs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _program(tmp_path, "espeak-ng", "exit 0\n")
    monkeypatch.setenv("PATH", str(tmp_path))

    assert not voice.available()
    with pytest.raises(voice.VoiceError, match="opusenc is not installed"):
        voice.speak("Hello", "en")


def test_a_failing_program_is_a_voice_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _program(tmp_path, "espeak-ng", "echo 'Error: no voice' >&2\nexit 1\n")
    _program(tmp_path, "opusenc", "cat\n")
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(voice.VoiceError, match="espeak-ng failed with exit status 1: Error"):
        voice.speak("Hello", "en")


def test_a_slow_program_is_stopped_at_the_timeout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _program(tmp_path, "espeak-ng", "exec sleep 30\n")
    _program(tmp_path, "opusenc", "cat\n")
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")

    with pytest.raises(voice.VoiceError, match="espeak-ng took too long"):
        voice.speak("Hello", "en", timeout=0.5)


def test_output_that_is_not_ogg_is_a_voice_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _program(tmp_path, "opusenc", "cat\n")  # passes the WAV through
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")

    with pytest.raises(voice.VoiceError, match="not an OGG file"):
        voice.speak("Hello", "en")
