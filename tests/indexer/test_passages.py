from __future__ import annotations

from pathlib import Path

from indexer.catalog.loader import load_catalog
from indexer.passages import EXAMPLES, FAQ, build_passages, format_fee, format_time, passage_id
from indexer.catalog.schema import Fee, ProcessingTime

FIXTURE = Path(__file__).parent / "fixtures" / "search_small"


def test_every_procedure_has_its_aspects_and_example_questions() -> None:
    catalog = load_catalog(FIXTURE)
    passages = build_passages(catalog)
    khai_sinh = [p for p in passages if p.owner_id == "dang-ky-khai-sinh"]
    aspects = {p.aspect for p in khai_sinh}
    assert {"overview", "documents", "time", "fee", "place", "online", "steps", "conditions",
            "legal_basis", "result", EXAMPLES} <= aspects
    proc = catalog.by_id["dang-ky-khai-sinh"]
    examples = [p.text for p in khai_sinh if p.aspect == EXAMPLES]
    assert examples == list(dict.fromkeys(proc.example_questions))
    overview = next(p for p in khai_sinh if p.aspect == "overview")
    assert all(alias in overview.text for alias in proc.aliases)
    documents = next(p for p in khai_sinh if p.aspect == "documents")
    assert "Giấy chứng sinh" in documents.text


def test_time_and_fee_are_given_per_channel() -> None:
    passages = build_passages(load_catalog(FIXTURE))
    fee = next(p for p in passages if p.owner_id == "dang-ky-ket-hon" and p.aspect == "fee")
    assert "Trực tiếp:" in fee.text and "Trực tuyến:" in fee.text


def test_faq_entries_are_passages() -> None:
    passages = build_passages(load_catalog(FIXTURE))
    faq = [p for p in passages if p.kind == FAQ]
    assert {p.aspect for p in faq} == {FAQ, EXAMPLES}
    assert all(p.owner_id == "tra-cuu-ho-so" and p.procedure_id is None for p in faq)


def test_abolished_procedure_says_so_in_its_overview() -> None:
    passages = build_passages(load_catalog(FIXTURE))
    overview = next(p for p in passages
                    if p.owner_id == "cap-the-thu-vien-mau-cu" and p.aspect == "overview")
    assert "đã bị bãi bỏ từ ngày 01/07/2025" in overview.text


def test_ids_are_content_hashes() -> None:
    passages = build_passages(load_catalog(FIXTURE))
    assert len({p.id for p in passages}) == len(passages)
    p = passages[0]
    assert p.id == passage_id(p.kind, p.owner_id, p.aspect, p.text)
    assert passage_id(p.kind, p.owner_id, p.aspect, p.text + " ") != p.id


def test_formatting_of_time_and_fee() -> None:
    assert format_time(ProcessingTime(value=5, unit="ngày làm việc")) == "5 ngày làm việc"
    assert format_time(ProcessingTime(unit="trong ngày")) == "trong ngày"
    assert format_time(None) == "chưa có thông tin đã kiểm chứng"
    assert format_fee(Fee(amount_vnd=100000)) == "100.000 đồng"
    assert format_fee(Fee(free=True)) == "miễn phí"
