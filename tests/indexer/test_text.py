from __future__ import annotations

import pytest

from indexer.text import (GlossaryIndex, analyze_query, expand_chat, fold, lexical_tokens,
                          normalize, sound_key)


def test_normalize_lowercases_nfc_and_strips_punctuation() -> None:
    decomposed = "Đăng ky\u0301 KHAI  SINH?!"  # "ký" written with a combining acute accent
    assert normalize(decomposed) == "đăng ký khai sinh"


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Đăng ký đất đai", "Dang ky dat dai"), ("giấy chứng nhận", "giay chung nhan"),
     ("ĐKKD hộ cá thể", "DKKD ho ca the"), ("plain ascii", "plain ascii")],
)
def test_fold_removes_diacritics_and_d_stroke(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_chat_words_expand_to_plain_vietnamese() -> None:
    assert expand_chat("lm giay ks can j ko") == "làm giay ks can gì không"
    assert expand_chat("fí bao nhiêu") == "phí bao nhiêu"


def test_accented_and_unaccented_queries_share_lexical_tokens() -> None:
    accented = set(lexical_tokens("Làm giấy khai sinh cần gì"))
    plain = set(lexical_tokens("lam giay khai sinh can gi"))
    assert {"giay", "khai", "sinh", "khai_sinh"} <= accented & plain


def test_compound_words_are_added_as_joined_tokens() -> None:
    tokens = lexical_tokens("giấy chứng nhận quyền sử dụng đất")
    assert "chung_nhan" in tokens and "su_dung" in tokens
    assert "chung" in tokens  # syllables stay, so other segmentations still match


def test_glossary_expansion_matches_any_accents_and_case() -> None:
    glossary = GlossaryIndex.from_pairs([("sổ đỏ", "Giấy chứng nhận quyền sử dụng đất"),
                                         ("ĐKKD", "đăng ký kinh doanh")])
    assert glossary.expansions("so do bi rach") == ["Giấy chứng nhận quyền sử dụng đất"]
    assert glossary.expansions("đkkd hộ cá thể") == ["đăng ký kinh doanh"]
    assert glossary.expansions("sổ đỏm") == []  # whole words only
    analyzed = analyze_query("sổ đỏ bị rách muốn đổi", glossary)
    assert "quyền sử dụng đất" in analyzed.text
    assert "quyen" in analyzed.tokens


def test_empty_query_has_no_tokens() -> None:
    assert analyze_query("  ?! ").tokens == []


@pytest.mark.parametrize(("typo", "right"), [("chú", "trú"), ("cướt", "cước"), ("vắn", "vắng"),
                                             ("kí", "ký"), ("xinh", "sinh")])
def test_common_misspellings_share_a_sound_key(typo: str, right: str) -> None:
    assert "~" + sound_key(fold(right)) in lexical_tokens(typo)
    assert sound_key(fold(typo)) == sound_key(fold(right))


def test_sound_key_keeps_distinct_initials_apart() -> None:
    assert sound_key("khai") == "khai" and sound_key("cai") != sound_key("khai")
