"""A lesson's voice note on the chat page: a real headless Chromium plays the OGG/Opus that
espeak-ng and opusenc made, from the data URL in the answer."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LESSON = "Riba ni gharama ya kukopa pesa. ▶"
LABEL = "Listen to this lesson part: Riba ni gharama ya kukopa pesa. ▶"
DURATION = """audio => new Promise(resolve => {
  if (audio.readyState >= 1) { resolve(audio.duration); return; }
  audio.addEventListener("loadedmetadata", () => resolve(audio.duration));
  audio.addEventListener("error", () => resolve(-1));
  audio.load();
})"""


def say(page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send").click()


def lesson_answer(sender: str = "ignored") -> str:
    return json.dumps(
        [
            {"recipient_id": sender, "text": LESSON},
            {"recipient_id": sender, "custom": {"wazi_voice": {"text": LESSON, "language": "sw"}}},
            {"recipient_id": sender, "text": "done"},
        ]
    )


def test_the_voice_note_is_a_labelled_player_the_browser_can_play(
    page, live_chat, fake_rasa
) -> None:
    fake_rasa.raw_body = lesson_answer()
    page.goto(live_chat(fake_rasa.url))

    say(page, "lesson")

    expect(page.locator(".msg-bot:not(.msg-audio)")).to_have_text([LESSON, "done"])
    player = page.get_by_label(LABEL)
    expect(player).to_have_count(1)
    assert player.evaluate("el => el.tagName") == "AUDIO"
    assert player.evaluate("el => el.controls") is True
    assert player.get_attribute("src").startswith("data:audio/ogg;base64,T2dnUw")  # "OggS"
    assert player.evaluate(DURATION) > 0.5  # Chromium decoded the Opus stream: real speech
    # in the answer's order: the text, the player, then what follows
    kinds = page.locator("#log > *").evaluate_all("els => els.map(e => e.className)")
    assert kinds[-3:] == ["msg msg-bot", "msg msg-bot msg-audio", "msg msg-bot"]


def test_without_a_voice_note_the_page_shows_the_text_and_no_player(
    page, live_chat, fake_rasa, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # the server finds neither espeak-ng nor opusenc
    fake_rasa.raw_body = lesson_answer()
    page.goto(live_chat(fake_rasa.url))

    say(page, "lesson")

    expect(page.locator(".msg-bot")).to_have_text([LESSON, "done"])
    expect(page.locator("audio")).to_have_count(0)
    expect(page.locator(".msg-error")).to_have_count(0)


def test_an_audio_source_that_is_not_ogg_data_is_not_shown(page, live_chat, fake_rasa) -> None:
    """The page only plays what the server made: never a link from elsewhere."""
    fake_rasa.raw_body = json.dumps(
        [
            {"recipient_id": "x", "audio": {"src": "https://example.org/a.ogg", "label": "A"}},
            {"recipient_id": "x", "audio": {"src": "javascript:alert(1)", "label": "B"}},
            {"recipient_id": "x", "text": "done"},
        ]
    )
    page.goto(live_chat(fake_rasa.url))

    say(page, "lesson")

    expect(page.locator(".msg-bot")).to_have_text(["done"])
    expect(page.locator("audio")).to_have_count(0)
