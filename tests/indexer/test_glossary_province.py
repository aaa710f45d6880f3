"""The province vocabulary block of knowledge/glossary.yaml (issue 12): citizens' words expand
to wording of official procedure names, and short words do not fire on look-alikes."""

from __future__ import annotations

import glob
import re
from pathlib import Path

import pytest
import yaml

from indexer.text import GlossaryIndex, analyze_query, fold, normalize

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "knowledge" / "glossary.yaml"
MARK = "# --- Province catalogue vocabulary (issue 12)"
PROVINCE_LIST = ROOT.parent / "shared" / "data" / "province-lists" / "DVC_TTHC_LangSon_1842.xlsx"


def _entries() -> list[dict]:
    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))["entries"]


def _province_block() -> list[dict]:
    text = GLOSSARY.read_text(encoding="utf-8")
    assert MARK in text, "the province vocabulary block is marked in glossary.yaml"
    return yaml.safe_load(text[text.index(MARK):])


@pytest.fixture(scope="module")
def glossary() -> GlossaryIndex:
    return GlossaryIndex.from_pairs((e["term"], e["canonical"]) for e in _entries())


@pytest.mark.parametrize("query, canonical", [
    ("mất cà vẹt xe máy", "Giấy chứng nhận đăng ký xe"),
    ("muon mo dai ly binh gas", "LPG chai"),
    ("mở đại lý gas ở thị trấn", "cửa hàng bán lẻ LPG chai"),
    ("mở cây xăng cần gì", "cửa hàng đủ điều kiện bán lẻ xăng dầu"),
    ("chở lợn đi tỉnh khác bán", "kiểm dịch động vật, vận chuyển ra khỏi địa bàn cấp tỉnh"),
    ("khoan gieng co can giay phep", "khoan nước dưới đất"),
    ("lắp điện mặt trời áp mái", "điện mặt trời mái nhà"),
    ("đánh rơi bằng lái", "cấp lại, bị mất"),
    ("thi vào 10 năm nay", "tuyển sinh trung học phổ thông"),
])
def test_citizen_words_expand_to_official_wording(glossary: GlossaryIndex, query: str,
                                                  canonical: str) -> None:
    assert canonical in glossary.expansions(query)
    assert fold(normalize(canonical)) in fold(analyze_query(query, glossary).text)


@pytest.mark.parametrize("query, not_expected", [
    ("mẹ tôi mới mất, làm giấy chứng tử", "cấp lại, bị mất"),  # "mất" = died
    ("điện mặt trời mái nhà", "cấp lại, bị mất"),  # "mặt" folds like "mất"
    ("con tôi học lớp 10 muốn chuyển trường", "tuyển sinh trung học phổ thông"),
    ("con tôi học lớp 6 muốn chuyển trường", "tuyển sinh trung học cơ sở"),
])
def test_short_words_do_not_fire_on_look_alikes(glossary: GlossaryIndex, query: str,
                                                not_expected: str) -> None:
    assert not_expected not in glossary.expansions(query)


def test_the_block_is_additive_and_has_no_duplicate_terms() -> None:
    block = _province_block()
    assert len(block) >= 100
    entries = _entries()
    assert entries[-len(block):] == block  # appended after the older entries
    older = {normalize(e["term"]) for e in entries[:-len(block)]}
    keys = [normalize(e["term"]) for e in block]
    assert len(keys) == len(set(keys)) and not older & set(keys)


@pytest.mark.skipif(not PROVINCE_LIST.exists(), reason="needs ../shared/data (the province list)")
def test_every_canonical_part_occurs_in_an_official_name() -> None:
    """A canonical only points at the catalogue's own wording: each comma-separated part of it
    occurs in a procedure name of the province list or of the curated catalogue."""
    import openpyxl

    names = [str(row[3]) for row in openpyxl.load_workbook(PROVINCE_LIST, read_only=True)
             .active.iter_rows(values_only=True) if row[3]]
    for path in glob.glob(str(ROOT / "knowledge" / "procedures" / "*.yaml")):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        names += [data["name"], *(data.get("aliases") or [])]
    corpus = " | ".join(fold(normalize(n)) for n in names)
    missing = [(e["term"], part) for e in _province_block()
               for part in e["canonical"].split(",")
               if not re.search(r"(?<!\w)" + re.escape(fold(normalize(part))) + r"(?!\w)", corpus)]
    assert not missing
