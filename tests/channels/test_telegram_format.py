"""Telegram formatting, fed with the protocol samples in tests/fixtures/telegram."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, Update

from bot.channels.telegram_format import (
    PayloadStore,
    command_of,
    contact_request_keyboard,
    inline_keyboard,
    payload_token,
    shared_phone,
    split_message,
    text_of_callback,
    utf16_length,
)
from bot.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "telegram"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def update(name: str) -> Update:
    return Update.de_json(fixture(name), bot=None)


def text_update(text: str, entities: list[dict[str, Any]] | None = None) -> Update:
    """The plain-text fixture with another text (and entities)."""
    data = fixture("update_message_text.json")
    data["message"]["text"] = text
    if entities is not None:
        data["message"]["entities"] = entities
    return Update.de_json(data, bot=None)


def command_update(text: str) -> Update:
    command_length = len(text.split(" ", 1)[0])
    return text_update(text, [{"offset": 0, "length": command_length, "type": "bot_command"}])


def callback_data_size(markup: InlineKeyboardMarkup) -> list[int]:
    return [len(row[0].callback_data.encode("utf-8")) for row in markup.inline_keyboard]


# --- split_message ---------------------------------------------------------------------------


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert utf16_length("abc") == 3
    assert utf16_length("हिन्दी") == 6
    assert utf16_length("💰") == 2


def test_a_short_message_is_one_piece() -> None:
    text = "As of 25 Nov 2026:\n\nNext payment: KES 4,707.35"
    assert split_message(text) == [text]


def test_the_empty_text_gives_no_piece() -> None:
    assert split_message("") == []
    assert split_message("\n\n") == []


def test_lines_are_packed_up_to_the_limit() -> None:
    assert split_message("aaa\nbbb\ncc\nd", limit=7) == ["aaa\nbbb", "cc\nd"]


def test_the_limit_counts_utf16_code_units_not_characters() -> None:
    # Four emoji are 4 characters but 8 code units: they do not fit in 7.
    assert split_message("💰💰💰💰", limit=7) == ["💰💰💰", "💰"]


def test_a_long_line_is_cut_after_a_space() -> None:
    assert split_message("pay 4707 by Friday", limit=10) == ["pay 4707 ", "by Friday"]


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    assert split_message("abcdefghij", limit=4) == ["abcd", "efgh", "ij"]


def test_the_tail_of_a_long_line_is_packed_with_the_next_lines() -> None:
    assert split_message("x\nabcdefgh\ny", limit=5) == ["x", "abcde", "fgh\ny"]


def test_a_blank_line_between_paragraphs_survives_a_cut() -> None:
    text = "first paragraph\n\nsecond"
    pieces = split_message(text, limit=15)
    assert pieces == ["first paragraph", "\nsecond"]
    assert "\n".join(pieces) == text


def test_a_real_4096_limit_reply() -> None:
    rows = [f"{n:>3}. 2026-12-01  KES 4,707.35  balance 45,292.65" for n in range(1, 301)]
    text = "\n".join(rows)
    pieces = split_message(text)
    assert len(pieces) > 1
    assert all(utf16_length(piece) <= 4096 for piece in pieces)
    assert "\n".join(pieces) == text


def test_a_limit_below_one_astral_character_is_refused() -> None:
    with pytest.raises(ValueError):
        split_message("a", limit=1)


# Lines with some visible text, of letters, spaces, Devanagari and an astral emoji.
ALPHABET = st.sampled_from(list("ab c1 ") + ["é", "ह", "ि", "💰", "\u0301"])
non_blank_line = st.text(ALPHABET, min_size=1, max_size=30).filter(lambda line: line.strip())
any_line = st.text(ALPHABET, max_size=60)


@given(lines=st.lists(non_blank_line, min_size=1, max_size=20), limit=st.integers(2, 80))
def test_split_at_lines_joins_back_to_the_original(lines: list[str], limit: int) -> None:
    lines = [line for line in lines if utf16_length(line) <= limit] or ["a"]
    text = "\n".join(lines)
    pieces = split_message(text, limit)
    assert pieces
    assert all(piece and utf16_length(piece) <= limit for piece in pieces)
    assert "\n".join(pieces) == text


@given(lines=st.lists(any_line, max_size=20), limit=st.integers(2, 80))
def test_any_text_is_cut_into_non_blank_pieces_within_the_limit(
    lines: list[str], limit: int
) -> None:
    text = "\n".join(lines)
    pieces = split_message(text, limit)
    assert all(piece.strip() for piece in pieces)
    assert all(utf16_length(piece) <= limit for piece in pieces)
    # Nothing visible is lost or reordered: only whitespace at the cuts may go.
    assert "".join("".join(pieces).split()) == "".join(text.split())


# --- Buttons ---------------------------------------------------------------------------------


def domain_buttons() -> list[dict[str, str]]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return [
        button
        for variations in domain["responses"].values()
        for variation in variations
        for button in variation.get("buttons") or ()
    ]


WHICH_LOAN = {
    "title": "L-5001 (KES 50,000.00)",
    "payload": '/choose_loan{"loan_account": "L-5001"}',
}
SCHEDULE_MORE = {"title": "More", "payload": '/ask_schedule{"schedule_page": "2"}'}
LONG_NON_ASCII = {
    "title": "Malipo ya ziada",
    # 60 characters but over 64 bytes: the Devanagari letters take 3 bytes each in UTF-8.
    "payload": '/ask_pay_extra{"text": "मैं अगले महीने 5000 अतिरिक्त दूँगी"}',
}


def test_the_domain_has_buttons_to_check() -> None:
    assert len(domain_buttons()) >= 10


@pytest.mark.parametrize(
    "button",
    [*domain_buttons(), WHICH_LOAN, SCHEDULE_MORE, LONG_NON_ASCII],
    ids=lambda button: button["payload"][:30],
)
def test_every_wazi_button_fits_or_round_trips(button: dict[str, str]) -> None:
    store = PayloadStore()
    markup = inline_keyboard([button], store)
    assert markup is not None
    (sent,) = markup.inline_keyboard[0]
    assert sent.text == button["title"]
    assert 1 <= len(sent.callback_data.encode("utf-8")) <= 64
    assert store.payload_for(sent.callback_data) == button["payload"]


def test_short_payloads_are_sent_as_they_are() -> None:
    store = PayloadStore()
    markup = inline_keyboard([WHICH_LOAN, SCHEDULE_MORE], store)
    assert markup is not None
    assert [row[0].callback_data for row in markup.inline_keyboard] == [
        WHICH_LOAN["payload"],
        SCHEDULE_MORE["payload"],
    ]
    assert len(store) == 0


def test_a_long_payload_is_replaced_by_a_stored_token() -> None:
    assert len(LONG_NON_ASCII["payload"]) <= 64 < len(LONG_NON_ASCII["payload"].encode("utf-8"))
    store = PayloadStore()
    markup = inline_keyboard([LONG_NON_ASCII], store)
    assert markup is not None
    data = markup.inline_keyboard[0][0].callback_data
    assert data == payload_token(LONG_NON_ASCII["payload"])
    assert data.startswith("p:") and len(data) == 26
    assert store.payload_for(data) == LONG_NON_ASCII["payload"]


def test_one_button_per_row_and_no_keyboard_without_buttons() -> None:
    store = PayloadStore()
    markup = inline_keyboard(domain_buttons()[:5], store)
    assert markup is not None
    assert [len(row) for row in markup.inline_keyboard] == [1] * 5
    assert callback_data_size(markup) == [len(b["payload"]) for b in domain_buttons()[:5]]
    assert inline_keyboard([], store) is None


def test_a_short_payload_that_looks_like_a_token_is_tokenised() -> None:
    store = PayloadStore()
    data = store.callback_data_for("p:not-a-token")
    assert data != "p:not-a-token"
    assert store.payload_for(data) == "p:not-a-token"


def test_an_unknown_token_gives_none() -> None:
    assert PayloadStore().payload_for(payload_token("/never_stored")) is None


def test_the_store_forgets_the_least_recently_used_payload() -> None:
    store = PayloadStore(max_entries=2)
    first, second, third = ("/x" + str(n) * 70 for n in range(3))
    token_first = store.callback_data_for(first)
    token_second = store.callback_data_for(second)
    assert store.payload_for(token_first) == first  # now the most recently used
    store.callback_data_for(third)
    assert len(store) == 2
    assert store.payload_for(token_second) is None
    assert store.payload_for(token_first) == first
    assert store.payload_for(store.callback_data_for(third)) == third


def test_the_same_payload_gets_the_same_token_once() -> None:
    store = PayloadStore()
    long_payload = LONG_NON_ASCII["payload"]
    assert store.callback_data_for(long_payload) == store.callback_data_for(long_payload)
    assert len(store) == 1


# --- Contact keyboard ------------------------------------------------------------------------


def test_contact_request_keyboard_matches_the_telegram_request_body() -> None:
    expected = fixture("sendMessage_request_reply_keyboard_request_contact.json")["reply_markup"]
    markup = contact_request_keyboard("Share my phone number")
    assert isinstance(markup, ReplyKeyboardMarkup)
    # The sample also has a Cancel row and a placeholder; Wazi sends the one button only.
    expected = {
        "keyboard": expected["keyboard"][:1],
        "resize_keyboard": expected["resize_keyboard"],
        "one_time_keyboard": expected["one_time_keyboard"],
    }
    assert markup.to_dict() == expected


# --- Reading updates -------------------------------------------------------------------------


def test_a_number_shared_about_oneself_is_read_in_e164() -> None:
    assert shared_phone(update("update_message_contact_shared.json")) == "+254700000001"


def test_a_contact_card_of_someone_else_is_not_a_shared_number() -> None:
    assert shared_phone(update("update_message_contact_other_person.json")) is None


def test_a_contact_with_another_user_id_is_not_a_shared_number() -> None:
    data = fixture("update_message_contact_shared.json")
    data["message"]["contact"]["user_id"] = 555
    assert shared_phone(Update.de_json(data, bot=None)) is None


def test_a_text_message_has_no_shared_number() -> None:
    assert shared_phone(update("update_message_text.json")) is None


def test_start_command() -> None:
    assert command_of(update("update_message_start_command.json")) == ("start", None)


def test_start_with_a_deep_link_parameter() -> None:
    assert command_of(update("update_message_start_deeplink.json")) == ("start", "ref_LOAN29")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/help", ("help", None)),
        ("/language", ("language", None)),
        ("/stop", ("stop", None)),
        ("/HELP", ("help", None)),
        ("/help@demo_mfi_bot", ("help", None)),
        ("/start@demo_mfi_bot ref_LOAN29", ("start", "ref_LOAN29")),
        ("/start not a deep link!", ("start", None)),
        ("/ask_balance", None),
        ("/help@other_bot", None),
    ],
)
def test_commands(text: str, expected: tuple[str, str | None] | None) -> None:
    assert command_of(command_update(text), bot_username="demo_mfi_bot") == expected


def test_a_command_to_any_bot_counts_when_the_bot_name_is_not_given() -> None:
    assert command_of(command_update("/help@other_bot")) == ("help", None)


def test_a_slash_without_a_command_entity_is_not_a_command() -> None:
    assert command_of(update("update_message_text.json")) is None
    assert command_of(text_update("/start")) is None
    late = [{"offset": 4, "length": 5, "type": "bot_command"}]
    assert command_of(text_update("try /help", late)) is None


def test_a_button_press_gives_its_query_id_and_payload() -> None:
    pressed = update("update_callback_query.json")
    assert text_of_callback(pressed, PayloadStore()) == ("4382920000000000001", "menu:balance")


def test_a_press_on_a_forgotten_token_still_gives_the_query_id() -> None:
    data = fixture("update_callback_query.json")
    data["callback_query"]["data"] = payload_token("/forgotten")
    assert text_of_callback(Update.de_json(data, bot=None), PayloadStore()) == (
        "4382920000000000001",
        None,
    )


def test_a_press_on_a_stored_token_gives_the_long_payload() -> None:
    store = PayloadStore()
    data = fixture("update_callback_query.json")
    data["callback_query"]["data"] = store.callback_data_for(LONG_NON_ASCII["payload"])
    pressed = Update.de_json(data, bot=None)
    assert text_of_callback(pressed, store) == ("4382920000000000001", LONG_NON_ASCII["payload"])


def test_a_message_is_not_a_button_press() -> None:
    assert text_of_callback(update("update_message_text.json"), PayloadStore()) is None
