"""Unit tests for bot.components.vi_tokenizer (run in the Python 3.10 Rasa environment)."""

from __future__ import annotations

from typing import List

import pytest

pytest.importorskip("rasa", reason="needs the Rasa 3.6 environment (/tmp/v310 or .venv-rasa)")

from rasa.nlu.constants import TOKENS_NAMES  # noqa: E402
from rasa.shared.nlu.constants import INTENT, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

from bot.components.vi_tokenizer import VietnameseTokenizer  # noqa: E402

pytestmark = pytest.mark.rasa


def make_tokenizer(**config: object) -> VietnameseTokenizer:
    return VietnameseTokenizer({**VietnameseTokenizer.get_default_config(), **config})


def tokens_of(text: str, tokenizer: VietnameseTokenizer | None = None) -> list:
    message = Message(data={TEXT: text})
    (tokenizer or make_tokenizer()).process([message])
    return message.get(TOKENS_NAMES[TEXT])


def test_default_config_has_the_keys_the_base_class_reads() -> None:
    config = VietnameseTokenizer.get_default_config()
    for key in (
        "intent_tokenization_flag",
        "intent_split_symbol",
        "token_pattern",
        "prefix_separator_symbol",
    ):
        assert key in config
    assert VietnameseTokenizer.required_packages() == ["underthesea"]


def test_multi_syllable_words_are_joined() -> None:
    texts = [t.text for t in tokens_of("Làm giấy khai sinh cho con cần những giấy tờ gì?")]
    assert "khai_sinh" in texts
    assert "giấy_tờ" in texts
    assert "?" not in texts  # punctuation-only tokens are dropped


@pytest.mark.parametrize(
    "text",
    [
        "Làm giấy khai sinh cho con cần những giấy tờ gì?",
        "Hoà Bình, tôi muốn hỏi  đăng   ký kết hôn",  # old-style tone mark, double spaces
        "hồ sơ 000.00.19.H12-250101-0001 đến đâu rồi",
        "ko bít thủ tục cấp lại CCCD mất bn tiền",
    ],
)
def test_offsets_point_into_the_original_text(text: str) -> None:
    tokens = tokens_of(text)
    assert tokens, "expected at least one token"
    previous_end = 0
    for token in tokens:
        assert token.start >= previous_end
        span = text[token.start : token.end]
        # The span is the token's syllables with the original spacing.
        assert span.split() == token.text.split("_"), (span, token.text)
        previous_end = token.end


def test_spelling_is_not_normalised() -> None:
    texts = [t.text for t in tokens_of("Hoà Bình")]
    assert texts == ["Hoà_Bình"]


def test_lemma_is_folded_so_missing_diacritics_match() -> None:
    accented = tokens_of("Đăng ký khai sinh")
    assert [t.lemma for t in accented] == ["dang_ky", "khai_sinh"]
    plain = [t.lemma for t in tokens_of("dang ky khai sinh")]
    # Whatever the segmentation of the unaccented text, its folded syllables are the same.
    assert " ".join(plain).replace("_", " ") == "dang ky khai sinh"


def test_lemmas_are_the_shared_folding_of_the_lowercased_word() -> None:
    tokens = tokens_of("Đường Phố Hà Nội lệ phí")
    assert " ".join(t.lemma for t in tokens).replace("_", " ") == "duong pho ha noi le phi"


def test_punctuation_or_emoji_only_text_keeps_one_token() -> None:
    tokens = tokens_of("  ???  ")
    assert [(t.text, t.start, t.end) for t in tokens] == [("???", 2, 5)]


def test_empty_text_gives_no_tokens() -> None:
    tokenizer = make_tokenizer()
    assert tokenizer.tokenize(Message(data={TEXT: "   "}), TEXT) == []


def test_injected_segmenter_is_used_and_unalignable_words_are_skipped() -> None:
    def fake_segment(text: str) -> List[str]:
        return ["thủ tục", "không_có_trong_câu", "cấp", "lại"]

    tokenizer = VietnameseTokenizer(VietnameseTokenizer.get_default_config(), fake_segment)
    message = Message(data={TEXT: "thủ tục cấp lại"})
    tokens = tokenizer.tokenize(message, TEXT)
    assert [(t.text, t.start, t.end) for t in tokens] == [
        ("thủ_tục", 0, 7),
        ("cấp", 8, 11),
        ("lại", 12, 15),
    ]


def test_intent_is_split_only_when_the_flag_is_set() -> None:
    data = TrainingData([Message(data={TEXT: "lệ phí bao nhiêu", INTENT: "ask_fee"})])
    make_tokenizer(intent_tokenization_flag=True).process_training_data(data)
    example = data.training_examples[0]
    assert [t.text for t in example.get(TOKENS_NAMES[INTENT])] == ["ask", "fee"]

    data = TrainingData([Message(data={TEXT: "lệ phí bao nhiêu", INTENT: "ask_fee"})])
    make_tokenizer().process_training_data(data)
    assert [t.text for t in data.training_examples[0].get(TOKENS_NAMES[INTENT])] == ["ask_fee"]


def test_token_pattern_splits_tokens_further() -> None:
    tokens = tokens_of("mã H12-250101", make_tokenizer(token_pattern=r"[^\W_]+"))
    assert [t.text for t in tokens] == ["mã", "H12", "250101"]
