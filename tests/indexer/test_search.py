from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.embedding import HashingEmbedder
from indexer.errors import IndexerError, ModelMismatchError
from indexer.search import Searcher, SearchFilters
from indexer.text import lexical_tokens

FIXTURE = Path(__file__).parent / "fixtures" / "search_small"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("index")
    build_index(FIXTURE, index, HashingEmbedder(64), progress=False)
    return index


@pytest.fixture()
def searcher(index_dir: Path) -> Searcher:
    return Searcher.load(index_dir, embedder=HashingEmbedder(64))


@pytest.mark.parametrize(
    ("query", "expected"),
    [("lam giay khai sinh can gi", "dang-ky-khai-sinh"),
     ("Làm giấy khai sinh cần gì", "dang-ky-khai-sinh"),
     ("dang ky ket hon o dau", "dang-ky-ket-hon"),
     ("mất sổ đỏ làm lại thế nào", "cap-lai-giay-chung-nhan-do-bi-mat"),
     ("lm giay ks can j", "dang-ky-khai-sinh")],
)
def test_ranks_the_right_procedure_first(searcher: Searcher, query: str, expected: str) -> None:
    result = searcher.search(query)
    assert result.hits[0].procedure_id == expected
    assert not result.abstain
    assert result.hits[0].confidence == result.confidence
    assert result.hits == sorted(result.hits, key=lambda h: -h.score)


def test_out_of_scope_question_abstains(searcher: Searcher) -> None:
    result = searcher.search("giá vàng hôm nay")
    assert result.abstain
    assert result.confidence < searcher.calibration.threshold


def test_best_passage_per_aspect_and_guessed_aspect(searcher: Searcher) -> None:
    result = searcher.search("đăng ký kết hôn mất bao lâu")
    assert result.aspect == "time"
    top = result.hits[0]
    assert top.procedure_id == "dang-ky-ket-hon"
    assert top.passages["time"].aspect == "time"
    assert top.passages["time"].owner_id == "dang-ky-ket-hon"
    assert "examples" not in top.passages


def test_filters_by_level_and_status(searcher: Searcher) -> None:
    by_level = searcher.search("thẻ thư viện", filters=SearchFilters(level="cap tinh"))
    assert by_level.hits[0].procedure_id == "cap-the-thu-vien-dien-tu"
    assert all("cấp tỉnh" in searcher.procedure(h.procedure_id).levels for h in by_level.hits)
    assert "cap-the-thu-vien-mau-cu" not in {h.procedure_id for h in by_level.hits}
    current = searcher.search("làm thẻ thư viện giấy", filters=SearchFilters(status="current"))
    assert all(h.is_current for h in current.hits)
    only_abolished = searcher.search("thẻ thư viện", filters=SearchFilters(status="abolished"))
    assert [h.procedure_id for h in only_abolished.hits] == ["cap-the-thu-vien-mau-cu"]


def test_abolished_procedure_is_reported_with_date_and_replacement(searcher: Searcher) -> None:
    result = searcher.search("làm thẻ thư viện giấy", top_k=5)
    ids = [h.procedure_id for h in result.hits]
    old = result.hits[ids.index("cap-the-thu-vien-mau-cu")]
    assert old.status == "abolished" and not old.is_current
    assert old.abolished_on == "2025-07-01"
    assert old.replaced_by == [{"id": "cap-the-thu-vien-dien-tu",
                                "name": "Cấp thẻ thư viện điện tử"}]
    assert "cap-the-thu-vien-dien-tu" in ids


def test_province_filter_attaches_no_override_when_none_exists(searcher: Searcher) -> None:
    result = searcher.search("đăng ký khai sinh", filters=SearchFilters(province="Hà Nội"))
    assert result.hits[0].procedure_id == "dang-ky-khai-sinh"
    assert result.hits[0].province_override is None


def test_faq_questions_come_back_as_faq_hits(searcher: Searcher) -> None:
    result = searcher.search("tra cứu tình trạng hồ sơ đã nộp")
    assert result.faqs and result.faqs[0].faq_id == "tra-cuu-ho-so"
    assert result.faqs[0].passage.kind == "faq"
    assert result.faq_answer is not None and result.faq_answer.faq_id == "tra-cuu-ho-so"


def test_procedure_lookup(searcher: Searcher) -> None:
    assert searcher.procedure("dang-ky-khai-sinh").code == "1.001193"
    with pytest.raises(IndexerError):
        searcher.procedure("khong-co")


def test_reload_picks_up_a_new_version(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, knowledge)
    index = tmp_path / "index"
    build_index(knowledge, index, HashingEmbedder(64), progress=False)
    searcher = Searcher.load(index, embedder=HashingEmbedder(64))
    before = searcher.version
    assert searcher.reload() is False
    (knowledge / "procedures" / "dang-ky-khai-tu.yaml").unlink()
    build_index(knowledge, index, HashingEmbedder(64), progress=False)
    in_flight = searcher._state  # a request that started before the reload keeps this
    assert searcher.reload() is True
    assert searcher.version != before
    assert "dang-ky-khai-tu" not in searcher.procedures
    assert "dang-ky-khai-tu" in in_flight.procedures


def test_model_mismatch_is_refused(index_dir: Path) -> None:
    searcher = Searcher.load(index_dir, embedder=HashingEmbedder(32))
    with pytest.raises(ModelMismatchError):
        searcher.search("khai sinh")


@pytest.mark.parametrize("mode", ["dense", "lexical"])
def test_single_signal_modes_for_baselines(index_dir: Path, mode: str) -> None:
    searcher = Searcher.load(index_dir, embedder=HashingEmbedder(64), mode=mode)
    assert searcher.search("đăng ký khai sinh").hits[0].procedure_id == "dang-ky-khai-sinh"


def test_unknown_mode_is_rejected(index_dir: Path) -> None:
    with pytest.raises(IndexerError):
        Searcher.load(index_dir, embedder=HashingEmbedder(64), mode="magic")


def test_loading_does_not_load_a_model(index_dir: Path) -> None:
    searcher = Searcher.load(index_dir)  # the default model may not even exist here
    assert searcher._embedder is None
    assert searcher.manifest["model_id"] == "fake:64"


def test_name_match_prefers_the_procedure_the_query_names(searcher: Searcher) -> None:
    state = searcher._state
    keys = {t[1:] for t in lexical_tokens("lam giay khai sinh can gi") if t.startswith("~")}
    assert state.name_match("dang-ky-khai-sinh", keys) == pytest.approx(1.0)  # an alias
    assert state.name_match("dang-ky-khai-tu", keys) < 0.8


def test_the_query_vector_cache_survives_many_threads(searcher: Searcher,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import threading

    import indexer.search as search_module

    monkeypatch.setattr(search_module, "QUERY_CACHE_SIZE", 2)  # constant eviction
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # interleave the threads as much as possible
    errors: list[BaseException] = []
    texts = [f"lệ phí khai sinh {i}" for i in range(6)]

    def run() -> None:
        try:
            for n in range(3000):
                vector = searcher._query_vector(texts[n % len(texts)])
                assert vector.shape == (64,)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors[:3]
    assert len(searcher._vectors) <= 2
