"""vntext: the one Vietnamese normalisation that every package imports."""

from __future__ import annotations

import unicodedata

from vntext import fold, fold_lower, nfc, squash_spaces, words


def test_fold_removes_every_vietnamese_mark_and_keeps_case() -> None:
    assert fold("Đăng ký KHAI SINH ở đâu?") == "Dang ky KHAI SINH o dau?"
    assert fold("ỹ Ữ ặ Ố ơ ư") == "y U a O o u"


def test_fold_accepts_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "Hộ chiếu")
    assert decomposed != "Hộ chiếu"
    assert fold(decomposed) == "Ho chieu"
    assert nfc(decomposed) == "Hộ chiếu"


def test_comparison_form_and_words() -> None:
    assert fold_lower("  Thẻ   CĂN CƯỚC\n") == "the can cuoc"
    assert words("Làm CCCD, ở đâu? (gấp)") == ["lam", "cccd", "o", "dau", "gap"]
    assert squash_spaces(" a \t b ") == "a b"
