"""Incremental builds: after adding, amending, abolishing and removing procedures and FAQ, the
published version searches like a version built from scratch (same vectors per passage, same
BM25 scores, same hits); older versions roll back; a format-1 index loads and is replaced."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer import store
from indexer.bm25 import BM25Index
from indexer.build import build_index, read_slots
from indexer.embedding import HashingEmbedder
from indexer.errors import CatalogError
from indexer.ranking import IndexState
from indexer.search import Searcher
from indexer.snapshot import read_items
from indexer.text import lexical_tokens

FIXTURE = Path(__file__).parent / "fixtures" / "search_small"
QUERIES = ["lam giay khai sinh can gi", "đăng ký kết hôn mất bao lâu", "mất sổ đỏ làm lại",
           "thẻ thư viện điện tử", "tra cứu hồ sơ ở đâu", "khai tử cho người mất",
           "lệ phí cấp thẻ mới"]


def _build(knowledge: Path, index: Path) -> object:
    """Small fixtures: one change kills a large share of slots, so never compact here."""
    return build_index(knowledge, index, HashingEmbedder(32), progress=False, compact_share=1.0)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _change_everything(knowledge: Path) -> None:
    procedures = knowledge / "procedures"
    _edit(procedures / "dang-ky-ket-hon.yaml", "example_questions:\n",
          "example_questions:\n- kết hôn cần gì nhỉ\n")  # one passage added
    _edit(procedures / "dang-ky-khai-sinh.yaml", "steps:\n", "steps:\n- Bước đầu mới để thử.\n")
    _edit(procedures / "cap-the-thu-vien-dien-tu.yaml", "updated_at:",
          "status:\n  state: abolished\n  effective_date: '2026-01-01'\nupdated_at:")
    (procedures / "dang-ky-khai-tu.yaml").unlink()
    clone = (FIXTURE / "procedures" / "dang-ky-khai-tu.yaml").read_text(encoding="utf-8")
    (procedures / "dang-ky-khai-tu-moi.yaml").write_text(
        clone.replace("id: dang-ky-khai-tu", "id: dang-ky-khai-tu-moi", 1)
        .replace("name: ", "name: Thủ tục mới ", 1), encoding="utf-8")
    _edit(knowledge / "faq" / "tra-cuu-ho-so.yaml", "answer: ", "answer: Xin lưu ý thêm. ")


def _by_passage(vdir: Path) -> tuple[dict[str, int], np.ndarray]:
    from indexer.dense import read_vectors

    slots = {p.id: i for i, p in enumerate(read_slots(vdir)) if p is not None}
    return slots, read_vectors(vdir / "dense.faiss")


def _assert_same_index(incremental: Path, scratch: Path) -> None:
    a_dir, b_dir = store.version_path(incremental), store.version_path(scratch)
    a_slots, a_vec = _by_passage(a_dir)
    b_slots, b_vec = _by_passage(b_dir)
    assert set(a_slots) == set(b_slots)
    ids = sorted(a_slots)
    np.testing.assert_allclose(a_vec[[a_slots[i] for i in ids]],
                               b_vec[[b_slots[i] for i in ids]], atol=1e-6)
    a_bm, b_bm = BM25Index.load(a_dir), BM25Index.load(b_dir)
    assert a_bm.n_docs == b_bm.n_docs == len(ids)
    for query in QUERIES:
        tokens = lexical_tokens(query)
        a_scores, b_scores = a_bm.scores(tokens), b_bm.scores(tokens)
        np.testing.assert_allclose(a_scores[[a_slots[i] for i in ids]],
                                   b_scores[[b_slots[i] for i in ids]], rtol=1e-5, atol=1e-6)
        assert a_bm.max_score(tokens) == pytest.approx(b_bm.max_score(tokens), rel=1e-6)
    a_man, b_man = store.read_manifest(a_dir), store.read_manifest(b_dir)
    for key in ("counts", "procedure_hashes", "abolished", "document_hashes", "catalog_hash"):
        assert a_man[key] == b_man[key], key
    assert list(read_items(a_dir)) == list(read_items(b_dir))
    assert read_items(a_dir) == read_items(b_dir)
    a_search = Searcher.load(incremental, embedder=HashingEmbedder(32))
    b_search = Searcher.load(scratch, embedder=HashingEmbedder(32))
    for query in QUERIES:
        a, b = a_search.search(query, top_k=5), b_search.search(query, top_k=5)
        assert [h.procedure_id for h in a.hits] == [h.procedure_id for h in b.hits], query
        assert [h.score for h in a.hits] == pytest.approx([h.score for h in b.hits], abs=1e-5)
        assert a.confidence == pytest.approx(b.confidence, abs=1e-6)
        assert a.abstain == b.abstain
        assert [(f.faq_id, f.passage.id) for f in a.faqs] == [(f.faq_id, f.passage.id) for f in b.faqs]
        for ha, hb in zip(a.hits, b.hits):
            assert {k: p.id for k, p in ha.passages.items()} == \
                {k: p.id for k, p in hb.passages.items()}


def test_incremental_build_searches_like_a_build_from_scratch(knowledge: Path,
                                                              tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = _build(knowledge, index)
    _change_everything(knowledge)
    result = _build(knowledge, index)
    assert result.mode == "incremental" and first.mode == "compact"
    assert result.dead_slots > 0 and result.encoded < result.passages // 2
    assert result.changes.added == ["dang-ky-khai-tu-moi"]
    assert result.changes.removed == ["dang-ky-khai-tu"]
    assert result.changes.abolished == ["cap-the-thu-vien-dien-tu"]
    assert sorted(result.changes.amended) == ["cap-the-thu-vien-dien-tu", "dang-ky-ket-hon",
                                              "dang-ky-khai-sinh"]
    scratch = tmp_path / "scratch"
    full = _build(knowledge, scratch)
    assert full.mode == "compact" and full.dead_slots == 0 and full.passages == result.passages
    _assert_same_index(index, scratch)


def test_changes_in_a_row_and_back_again(knowledge: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    original = {p.name: p.read_text(encoding="utf-8")
                for p in (knowledge / "procedures").glob("*.yaml")}
    _build(knowledge, index)
    _change_everything(knowledge)
    _build(knowledge, index)
    for path in (knowledge / "procedures").glob("*.yaml"):  # undo the procedure changes
        path.unlink()
    for name, text in original.items():
        (knowledge / "procedures" / name).write_text(text, encoding="utf-8")
    again = _build(knowledge, index)
    assert again.mode == "incremental"
    scratch = tmp_path / "scratch"
    _build(knowledge, scratch)
    _assert_same_index(index, scratch)


def test_many_dead_slots_compact_the_index(knowledge: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    _build(knowledge, index)
    for path in sorted((knowledge / "procedures").glob("*.yaml"))[:3]:
        path.unlink()  # half the procedures: far more than COMPACT_SHARE of the slots
    result = build_index(knowledge, index, HashingEmbedder(32), progress=False)
    assert result.mode == "compact" and result.dead_slots == 0 and result.encoded == 0
    assert store.read_manifest(store.version_path(index))["slots"]["dead"] == 0


def test_rollback_after_an_incremental_build(knowledge: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = _build(knowledge, index)
    searcher = Searcher.load(index, embedder=HashingEmbedder(32))
    before = searcher.search("khai tử cho người mất").hits[0].procedure_id
    _change_everything(knowledge)
    second = _build(knowledge, index)
    assert searcher.reload() and searcher.version == second.version
    assert "dang-ky-khai-tu" not in searcher.procedures
    assert store.rollback(index) == first.version
    assert searcher.reload() and searcher.version == first.version
    assert searcher.search("khai tử cho người mất").hits[0].procedure_id == before
    assert "dang-ky-khai-tu" in searcher.procedures
    # building again after the rollback starts from the published (older) version
    third = _build(knowledge, index)
    assert third.mode == "incremental" and "dang-ky-khai-tu-moi" in third.changes.added
    scratch = tmp_path / "scratch"
    _build(knowledge, scratch)
    _assert_same_index(index, scratch)


def test_a_broken_changed_file_leaves_the_published_version(knowledge: Path,
                                                            tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = _build(knowledge, index)
    (knowledge / "procedures" / "dang-ky-ket-hon.yaml").write_text("id: [unclosed\n",
                                                                    encoding="utf-8")
    with pytest.raises(CatalogError, match="dang-ky-ket-hon"):
        _build(knowledge, index)
    assert store.current_version(index) == first.version
    assert store.list_versions(index) == [first.version]
    assert not list((index / "versions").glob(".staging-*"))


def _downgrade_to_format_1(vdir: Path) -> None:
    """Rewrite a fresh compact version the way format 1 stored it."""
    items = read_items(vdir)
    snapshot = {"procedures": [v for k, v in items.items() if k.startswith("procedures/")],
                "faqs": [v for k, v in items.items() if k.startswith("faq/")],
                "glossary": items.get("glossary.yaml")}
    (vdir / "catalog.jsonl").unlink()
    store.write_json(vdir / "catalog.json", snapshot)
    arrays = dict(np.load(vdir / "bm25.npz"))
    arrays.pop("dead")
    np.savez(vdir / "bm25.npz", **arrays)
    texts = [json.loads(line)["text"] for line in
             (vdir / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    (vdir / "tokens.jsonl").write_text("".join(json.dumps(lexical_tokens(t), ensure_ascii=False)
                                               + "\n" for t in texts), encoding="utf-8")
    manifest = store.read_manifest(vdir)
    manifest["format"] = 1
    manifest.pop("slots")
    store.write_json(vdir / "manifest.json", manifest)


def test_a_format_1_index_loads_and_build_replaces_it(knowledge: Path, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    index = tmp_path / "index"
    _build(knowledge, index)
    reference = Searcher.load(index, embedder=HashingEmbedder(32))
    expected = {q: [h.procedure_id for h in reference.search(q).hits] for q in QUERIES}
    _downgrade_to_format_1(store.version_path(index))

    old = Searcher.load(index, embedder=HashingEmbedder(32))
    assert old.manifest["format"] == 1
    assert {q: [h.procedure_id for h in old.search(q).hits] for q in QUERIES} == expected
    assert IndexState.load(store.version_path(index)).bm25.n_docs == len(old._state.passages)

    with caplog.at_level(logging.WARNING, logger="indexer.build"):
        result = _build(knowledge, index)
    assert not result.noop and result.mode == "compact"
    assert result.encoded == 0  # format-1 vectors and postings are reused by passage id
    assert any(r.getMessage() == "index.format_upgrade" for r in caplog.records)
    manifest = store.read_manifest(store.version_path(index))
    assert manifest["format"] == store.FORMAT_VERSION == 2
    assert (store.version_path(index) / "catalog.jsonl").exists()
    new = Searcher.load(index, embedder=HashingEmbedder(32))
    assert {q: [h.procedure_id for h in new.search(q).hits] for q in QUERIES} == expected


@pytest.mark.parametrize("hnsw_min", [100, 10_000])  # HNSW32 and exact flat
def test_dead_slots_never_come_back_from_dense_search(hnsw_min: int) -> None:
    from indexer.dense import LiveDense, dense_index

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(400, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = dense_index(vectors, hnsw_min_passages=hnsw_min)
    query = vectors[:1]
    _, best = index.search(query, 10)
    dead = best[0][:5]  # the five nearest, the query's own vector among them
    index.add(vectors[:1])  # the "new" copy of a changed passage, appended
    _, found = LiveDense(index, dead).search(query, 10)
    assert len(found[0]) == 10 and (found[0] >= 0).all()
    assert not set(found[0].tolist()) & set(dead.tolist())
    assert found[0][0] == 400  # the appended slot is found
    np.testing.assert_array_equal(LiveDense(index, np.zeros(0, dtype=np.int64)).search(
        query, 10)[1], index.search(query, 10)[1])
