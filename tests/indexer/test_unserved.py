"""Procedures known but not served (a province profile's ``unserved.yaml``): the profile lists
the imported records it leaves out, the build indexes them, and a question about one abstains
and names it instead of getting a served neighbour's answer; a question about a served
procedure is not affected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from indexer import store
from indexer.build import build_index
from indexer.calibration import Calibration
from indexer.catalog.loader import UNSERVED_FILE, load_catalog
from indexer.catalog.schema import Procedure, StatusKind, UnservedList
from indexer.embedding import HashingEmbedder
from indexer.passages import UNSERVED
from indexer.province.profile import unserved_records
from indexer.province.write import write_profile
from indexer.province.profile import Profile
from indexer.search import Searcher
from indexer.snapshot import read_items

FIXTURE = Path(__file__).parent / "fixtures" / "search_small"
WEAPONS = {"code": "1.009001", "name": "Cấp giấy phép sử dụng vũ khí quân dụng",
           "field": "Quản lý vũ khí, vật liệu nổ", "levels": ["cấp tỉnh"],
           "who": "Tổ chức"}
SEALS = {"code": "1.009002", "name": "Đăng ký mẫu con dấu mới", "field": "Con dấu",
         "levels": ["cấp tỉnh"]}


def record(code: str, name: str, *, abolished: bool = False) -> Procedure:
    return Procedure.model_validate({
        "id": "tthc-" + code.replace(".", "-"), "code": code, "name": name, "field": "Hộ tịch",
        "levels": ["cấp xã"], "agency": "Ủy ban nhân dân cấp xã",
        "channels": [{"kind": "in_person", "time": {"value": 5, "unit": "ngày làm việc"}}],
        "updated_at": "2026-01-01",
        "status": {"state": "abolished", "effective_date": "2025-07-01"} if abolished
        else {"state": "active"},
        "source": {"kind": "portal", "reference": f"Cổng Dịch vụ công quốc gia, mã {code}",
                   "checked_at": "2026-01-01"},
        "example_questions": [*(f"{name} {i}" for i in range(4)), "hoi khong dau"],
    })


def test_the_profile_lists_what_it_does_not_serve() -> None:
    served = [record("1.000001", "Đăng ký khai sinh")]
    imported = {p.code: p for p in [
        record("1.000001", "Đăng ký khai sinh"),  # served
        record("1.000002", "Đăng ký kết hôn"),  # not served: listed
        record("1.000003", "Thủ tục đăng ký khai sinh (cấp xã)"),  # a served name: left out
        record("1.000004", "Đăng ký nuôi con nuôi", abolished=True),  # abolished: left out
        record("1.000005", "Cấp giấy phép karaoke (cấp huyện)"),  # names the district level
        # the served procedure at another level: left out
        record("1.000006", "Đăng ký khai sinh (thực hiện tại cấp trung ương)"),
        record("1.000007", "Đăng ký khai sinh lưu động"),  # another procedure: listed
    ] if p.code}
    got = unserved_records(imported, served)
    assert [(u.code, u.name, u.levels) for u in got] == [
        ("1.000002", "Đăng ký kết hôn", ["cấp xã"]),
        ("1.000007", "Đăng ký khai sinh lưu động", ["cấp xã"])]
    assert imported["1.000004"].status.state is StatusKind.abolished


def test_written_and_read_back_without_facts(tmp_path: Path) -> None:
    served = [record("1.000001", "Đăng ký khai sinh")]
    profile = Profile("t", procedures=served,
                      unserved=unserved_records({"1.000002": record("1.000002", "Đăng ký kết hôn")},
                                                served))
    out = write_profile(profile, tmp_path / "profile", curated_root=tmp_path / "none")
    data = yaml.safe_load((out / UNSERVED_FILE).read_text(encoding="utf-8"))
    assert set(data["procedures"][0]) == {"code", "name", "field", "levels"}  # no facts
    catalog = load_catalog(out)
    assert [u.code for u in catalog.unserved] == ["1.000002"]
    assert UNSERVED_FILE in catalog.file_hashes
    profile.unserved = []
    write_profile(profile, out, curated_root=tmp_path / "none")
    assert not (out / UNSERVED_FILE).exists()  # nothing left out: no stale list


def with_unserved(knowledge: Path, *entries: dict[str, object]) -> Path:
    (knowledge / UNSERVED_FILE).write_text(
        yaml.safe_dump({"procedures": list(entries)}, allow_unicode=True), encoding="utf-8")
    return knowledge


@pytest.fixture()
def profile_dir(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, target)
    return with_unserved(target, WEAPONS)


def searcher_for(knowledge: Path, index: Path) -> Searcher:
    build_index(knowledge, index, HashingEmbedder(64), progress=False, compact_share=1.0)
    return Searcher.load(index, embedder=HashingEmbedder(64))


def test_a_question_about_an_unserved_procedure_abstains_and_names_it(
        profile_dir: Path, tmp_path: Path) -> None:
    searcher = searcher_for(profile_dir, tmp_path / "index")
    result = searcher.search("xin giấy phép sử dụng vũ khí quân dụng ở đâu")
    assert result.abstain
    assert result.not_served is not None and result.not_served.code == "1.009001"
    assert result.not_served.name == WEAPONS["name"]
    assert all(h.procedure_id in searcher.procedures for h in result.hits)  # never a hit
    served = searcher.search("dang ky ket hon o dau")
    assert served.not_served is None and not served.abstain
    assert served.hits[0].procedure_id == "dang-ky-ket-hon"


def test_the_margin_decides_and_none_turns_it_off(profile_dir: Path, tmp_path: Path) -> None:
    searcher = searcher_for(profile_dir, tmp_path / "index")
    query = "xin giấy phép sử dụng vũ khí quân dụng ở đâu"
    base = searcher.calibration.to_dict()
    searcher.set_calibration(Calibration.from_dict({**base, "unserved_margin": None}))
    assert searcher.search(query).not_served is None
    searcher.set_calibration(Calibration.from_dict({**base, "unserved_margin": 100.0}))
    assert searcher.search(query).not_served is None


def test_without_the_list_nothing_changes(tmp_path: Path) -> None:
    searcher = searcher_for(FIXTURE, tmp_path / "index")
    assert not searcher._state.unserved
    result = searcher.search("xin giấy phép sử dụng vũ khí quân dụng ở đâu")
    assert result.not_served is None


def test_builds_carry_the_list_and_rebuild_when_it_changes(profile_dir: Path,
                                                           tmp_path: Path) -> None:
    index = tmp_path / "index"
    searcher_for(profile_dir, index)
    # a procedure changes: incremental, the list comes along unchanged
    path = profile_dir / "procedures" / "dang-ky-khai-tu.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    searcher = searcher_for(profile_dir, index)
    assert searcher.manifest["build"]["mode"] == "incremental"
    assert set(searcher._state.unserved) == {"1.009001"}
    assert UnservedList.model_validate(read_items(
        store.version_path(index))[UNSERVED_FILE]).procedures[0].code == "1.009001"
    # the list changes: a compact build (reusing vectors); the new entry is searchable
    with_unserved(profile_dir, WEAPONS, SEALS)
    searcher = searcher_for(profile_dir, index)
    assert searcher.manifest["build"]["mode"] == "compact"
    assert searcher.manifest["counts"]["unserved"] == 2
    assert searcher.manifest["build"]["encoded"] == 1
    kinds = [p.kind for p in searcher._state.passages]
    assert kinds.count(UNSERVED) == 2
    assert searcher.search("đăng ký mẫu con dấu mới cho công ty").not_served.code == "1.009002"
    # the list is removed: nothing unserved is left in the index
    (profile_dir / UNSERVED_FILE).unlink()
    searcher = searcher_for(profile_dir, index)
    assert not searcher._state.unserved
    assert UNSERVED not in {p.kind for p in searcher._state.passages}


def test_validate_checks_the_list(profile_dir: Path) -> None:
    from indexer.catalog.validate import validate_catalog

    assert validate_catalog(profile_dir).ok
    served = {"code": "1.000894", "name": "Đăng ký kết hôn", "field": "Hộ tịch"}  # served here
    with_unserved(profile_dir, WEAPONS, served, {"code": "bad", "name": "x", "field": "y"})
    report = validate_catalog(profile_dir)
    assert not report.ok
    text = " ".join(str(p) for p in report.problems)
    assert "code must look like" in text or "String should have at least" in text
    with_unserved(profile_dir, WEAPONS, served)
    problems = [str(p) for p in validate_catalog(profile_dir).problems]
    assert len(problems) == 1 and "1.000894 is served" in problems[0]


def test_a_profile_index_takes_the_profile_calibration(profile_dir: Path, tmp_path: Path) -> None:
    from indexer.calibration import PROFILE_MODELS, save_calibration

    model_id = HashingEmbedder(64).model_id
    cal_file = tmp_path / "calibration.json"
    save_calibration(cal_file, model_id, Calibration(threshold=0.4, fitted_on="curated"))
    build_index(FIXTURE, tmp_path / "curated", HashingEmbedder(64), progress=False,
                calibration_file=cal_file)
    build_index(profile_dir, tmp_path / "profile", HashingEmbedder(64), progress=False,
                calibration_file=cal_file)
    assert Searcher.load(tmp_path / "profile").calibration.fitted_on == "curated"  # no profile entry
    save_calibration(cal_file, model_id, Calibration(threshold=0.3, fitted_on="profile dev"),
                     section=PROFILE_MODELS)
    build_index(FIXTURE, tmp_path / "curated", HashingEmbedder(64), progress=False,
                calibration_file=cal_file)
    build_index(profile_dir, tmp_path / "profile", HashingEmbedder(64), progress=False,
                calibration_file=cal_file)
    assert Searcher.load(tmp_path / "curated").calibration.fitted_on == "curated"
    profile = Searcher.load(tmp_path / "profile", embedder=HashingEmbedder(64))
    assert profile.calibration.fitted_on == "profile dev"
    assert profile.calibration.threshold == 0.3
    feats = profile.search("dang ky ket hon o dau").hits[0].features
    assert -1.0 <= feats["served_gap"] <= 1.0 and feats["aliased"] in (0.0, 1.0)
