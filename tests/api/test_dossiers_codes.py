"""Dossier codes, masking and factor digests."""

from __future__ import annotations

import pytest

from api.dossiers.codes import InvalidCodeError, find_code, normalise_code, received_day
from api.dossiers.privacy import FactorKind, factor_digest, factor_matches, last4, mask_name

KEY = b"k" * 32


@pytest.mark.parametrize("raw", [
    "000.00.19.H12-250101-0001", "000.00.19.h12-250101-0001", " 000.00.19.H12 -250101- 0001 ",
    "000.00.19.H12–250101–0001", "000. 00. 19. H12-250101-0001",
])
def test_normalise_accepts_case_spaces_and_long_dashes(raw: str) -> None:
    assert normalise_code(raw) == "000.00.19.H12-250101-0001"


@pytest.mark.parametrize("raw", [
    "", "0001", "000.00.19.H12-250101", "000.00.19-250101-0001", "00.00.19.H12-250101-0001",
    "000.00.19.H12-250230-0001",  # 30 February
    "000.00.19.H12-250101-001", "0912345678", "000.00.19.H12-250101-0001-2", "x" * 100,
])
def test_normalise_rejects_other_text(raw: str) -> None:
    with pytest.raises(InvalidCodeError):
        normalise_code(raw)


def test_find_code_in_a_message() -> None:
    assert find_code("cho hỏi hồ sơ 000.00.19.h12-250101-0001 đến đâu rồi") == \
        "000.00.19.H12-250101-0001"
    assert find_code("hồ sơ của tôi đến đâu rồi") is None
    assert received_day("000.00.19.H12-250101-0001").isoformat() == "2025-01-01"


def test_mask_name() -> None:
    assert mask_name("Nguyễn Văn An") == "Nguyễn V*** A***"
    assert mask_name("Đặng Thị Ngọc Hạnh") == "Đặng T*** N*** H***"
    assert mask_name("An") == "A***"
    assert mask_name("Nguyễn V*** A***") == "Nguyễn V*** A***"
    assert mask_name(None) is None


def test_factor_digest_is_keyed_bound_to_code_and_kind() -> None:
    code = "000.00.19.H12-250101-0001"
    digest = factor_digest(KEY, kind=FactorKind.phone, code=code, last_digits="5678")
    assert "5678" not in digest and len(digest) == 64
    assert digest != factor_digest(b"x" * 32, kind=FactorKind.phone, code=code,
                                   last_digits="5678")
    assert digest != factor_digest(KEY, kind=FactorKind.id, code=code, last_digits="5678")
    assert digest != factor_digest(KEY, kind=FactorKind.phone,
                                   code="000.00.19.H12-250101-0002", last_digits="5678")
    assert factor_matches(KEY, kind=FactorKind.phone, code=code, given=" 56-78", stored=digest)
    assert factor_matches(KEY, kind=FactorKind.phone, code=code, given="0912345678",
                          stored=digest)
    assert not factor_matches(KEY, kind=FactorKind.phone, code=code, given="5679",
                              stored=digest)
    assert not factor_matches(KEY, kind=FactorKind.phone, code=code, given="678", stored=digest)
    assert last4("09 1234 5678") == "5678" and last4("12a") is None


def test_overdue_only_while_the_clock_runs() -> None:
    from datetime import datetime, timedelta, timezone

    from api.dossiers.record import DossierIn

    now = datetime.now(timezone.utc)
    base = {"code": "000.00.19.H12-250101-0001", "procedure_name": "Đăng ký khai sinh",
            "phone": "0912345678", "received_at": (now - timedelta(days=9)).isoformat(),
            "due_at": (now - timedelta(days=1)).isoformat()}
    for status, overdue in (("received", True), ("processing", True),
                            ("waiting_additional", False)):
        record = DossierIn.model_validate({**base, "status": status}).to_record(KEY)
        assert record.overdue(now) is overdue, status
    not_due = {**base, "due_at": (now + timedelta(days=1)).isoformat(), "status": "processing"}
    assert not DossierIn.model_validate(not_due).to_record(KEY).overdue(now)
