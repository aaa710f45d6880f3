"""``province_eval.py --fit-calibration``: the profile calibration is fitted on development
questions asked on the profile's own index and saved to the calibration file's
``profile_models`` section, leaving the curated ``models`` entry alone."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import yaml

from indexer.build import build_index
from indexer.calibration import PROFILE_FEATURES, Calibration, save_calibration
from indexer.catalog.loader import UNSERVED_FILE
from indexer.embedding import HashingEmbedder
from indexer.search import Searcher

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "search_small"


def _province_eval():
    spec = importlib.util.spec_from_file_location("province_eval_under_test",
                                                  ROOT / "benchmarks" / "province_eval.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_fits_the_profile_section_only(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, knowledge)
    (knowledge / UNSERVED_FILE).write_text(yaml.safe_dump({"procedures": [
        {"code": "1.009001", "name": "Cấp giấy phép sử dụng vũ khí quân dụng",
         "field": "Quản lý vũ khí"}]}, allow_unicode=True), encoding="utf-8")
    build_index(knowledge, tmp_path / "index", HashingEmbedder(64), progress=False)
    lines = [
        {"q": "lam giay khai sinh can gi", "code": "1.001193", "procedure": "Đăng ký khai sinh"},
        {"q": "dang ky ket hon o dau", "code": "1.000894", "procedure": "Đăng ký kết hôn"},
        {"q": "khai tử cho người mất", "code": "1.000656", "procedure": "Đăng ký khai tử"},
        {"q": "mất sổ đỏ làm lại thế nào", "code": "1.012786",
         "procedure": "Cấp lại Giấy chứng nhận do bị mất"},
        {"q": "giá vàng hôm nay", "code": None, "procedure": None},
        {"q": "thời tiết ngày mai thế nào", "code": None, "procedure": None},
        {"q": "xin giấy phép sử dụng vũ khí quân dụng", "code": None, "procedure": None},
    ]
    dev = tmp_path / "dev.jsonl"
    dev.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines),
                   encoding="utf-8")
    cal_file = tmp_path / "calibration.json"
    curated = Calibration(threshold=0.42, fitted_on="curated dev")
    save_calibration(cal_file, "fake:64", curated)
    pe = _province_eval()
    searcher = Searcher.load(tmp_path / "index", embedder=HashingEmbedder(64))
    cal = pe.fit_calibration(pe.scoring_module(), searcher, [dev], cal_file, [dev])
    data = json.loads(cal_file.read_text(encoding="utf-8"))
    assert data["models"]["fake:64"] == curated.to_dict()  # the curated entry is untouched
    saved = data["profile_models"]["fake:64"]
    assert saved == cal.to_dict()
    assert set(saved["weights"]) == set(PROFILE_FEATURES)
    assert saved["fitted_on"].startswith("benchmarks/data/dev.jsonl; threshold on")
    assert saved["unserved_margin"] == searcher.calibration.unserved_margin == 0.0
    # the fusion weights are the index's, only confidence and threshold are fitted
    assert (saved["alpha"], saved["beta"]) == (Calibration().alpha, Calibration().beta)
