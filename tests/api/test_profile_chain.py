"""The province-profile chain on a slice of ../shared/data, with the real bundled model:
list rows -> import of their portal records -> profile -> validate -> build -> search -> answer
with a citation. The slice is a few rows of Lạng Sơn's real list, chosen for what they show."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api_fakes import SERVICE_HEADERS, FakeRasa, make_settings
from indexer.cli import main
from indexer.search import Searcher
from indexer.settings import IndexerSettings

pytestmark = [pytest.mark.shared_data, pytest.mark.integration]

LIST = "province-lists/DVC_TTHC_LangSon_1842.xlsx"
SLICE = {
    "1.005136": "imported",  # Cấp Giấy xác nhận có quốc tịch Việt Nam ở trong nước
    "2.000890": "imported",  # Cấp phép thành lập văn phòng giám định tư pháp (JSON + Word)
    "1.001686": "imported",  # buôn bán thuốc thú y
    "2.000748": "imported",  # hộ tịch change, listed "(cấp huyện)": its post-reform record
    "2.001927": "district_unmatched",  # khiếu nại lần đầu tại cấp huyện: no record
    "CCHC_01": "internal_code",
}


def _slice_list(source: Path, out: Path) -> Path:
    """The real list's header and the rows of SLICE, nothing else."""
    src = openpyxl.load_workbook(source, read_only=True, data_only=True)
    rows = list(src.worksheets[0].iter_rows(values_only=True))
    src.close()
    header = next(i for i, r in enumerate(rows) if "Mã TTHC" in r)
    wb = openpyxl.Workbook()
    for row in rows[: header + 1]:
        wb.active.append(list(row))
    for row in rows[header + 1:]:
        code = str(row[1] or "")
        if any(code == key or code.startswith(key + ".") for key in SLICE):
            wb.active.append(list(row))
    wb.save(out)
    return out


def _record_files(data: Path) -> list[Path]:
    """The portal files (JSON crawl, Word export, defence JSON) of the sliced codes."""
    files = []
    for code in SLICE:
        stem = code.replace(".", "_")
        files += [*data.glob(f"dvc-json/*/{code}.json"), *data.glob(f"dvc-docx/*/{stem}.docx"),
                  *data.glob(f"dvc-bqp/{code}.json")]
    return sorted(files)


@pytest.fixture(scope="module")
def chain(shared_data: Path, bundled_model: Path,
          tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    settings = IndexerSettings()
    work = tmp_path_factory.mktemp("profile-chain")
    xlsx = _slice_list(shared_data / LIST, work / "slice.xlsx")
    files = _record_files(shared_data)
    assert len(files) >= 5, files
    catalogue, index = work / "catalogue", work / "index"
    assert main(["profile", "--list", str(xlsx), "--portal", *map(str, files), "--listed-only",
                 "--curated", str(settings.knowledge_dir), "--out", str(catalogue),
                 "--name", "langson-slice", "--no-progress"]) == 0
    assert main(["validate", "--knowledge", str(catalogue), "--no-required"]) == 0
    assert main(["build", "--knowledge", str(catalogue), "--index", str(index),
                 "--no-progress"]) == 0
    return {"catalogue": catalogue, "index": index}


def test_every_sliced_row_has_the_expected_outcome(chain: dict[str, Path]) -> None:
    report = json.loads((chain["catalogue"] / "profile-report.json").read_text(encoding="utf-8"))
    got: dict[str, str] = {}
    for r in report["rows"]:
        got.setdefault(r["code"] or r["service_code"], r["outcome"])
    assert got == SLICE
    assert {r["outcome"] for r in report["rows"] if r["code"] == "1.005136"} <= {
        "imported", "duplicate"}
    served = sorted(p.stem for p in (chain["catalogue"] / "procedures").glob("*.yaml"))
    assert served == sorted("tthc-" + c.replace(".", "-")
                            for c, o in SLICE.items() if o == "imported")
    district = next(r for r in report["rows"] if r["code"] == "2.000748")
    assert "post-reform record" in district["note"]


def test_search_finds_an_imported_procedure_in_citizen_words(chain: dict[str, Path]) -> None:
    searcher = Searcher.load(chain["index"])
    result = searcher.search("xin giấy xác nhận có quốc tịch Việt Nam cần những giấy tờ gì")
    assert not result.abstain
    assert result.hits[0].code == "1.005136"
    assert result.aspect == "documents"


def test_the_answer_cites_the_portal_record(chain: dict[str, Path], tmp_path: Path) -> None:
    settings = make_settings(tmp_path, index_dir=chain["index"])
    app = create_app(settings, rasa_transport=FakeRasa("down").transport())
    with TestClient(app, headers=SERVICE_HEADERS) as client:
        a = client.post("/v1/answer", json={
            "text": "thủ tục cấp giấy xác nhận có quốc tịch Việt Nam mất bao lâu"}).json()
    assert a["status"] == "answer", a
    assert a["procedure"]["code"] == "1.005136"
    assert a["aspect"] == "time"
    assert "1.005136" in a["citation"]["label"]
    assert a["text"].rstrip().endswith(a["citation"]["label"])
    assert "cấp huyện" not in a["text"]
