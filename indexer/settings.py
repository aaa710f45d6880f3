"""Settings of the indexer process (env prefix ``INDEXER_``), read once."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO = Path(__file__).resolve().parents[1]


class IndexerSettings(BaseSettings):
    """Where the catalogue, the model and the index live, and how the index is built.

    ``model_dir`` is a local sentence-transformers directory or a model name (a name needs a
    reachable model hub). ``fake:<dim>`` selects the deterministic hashing embedder that the
    unit tests use; it must never serve citizens.
    """

    model_config = SettingsConfigDict(env_prefix="INDEXER_", env_file=None, extra="ignore")

    knowledge_dir: Path = REPO / "knowledge"
    index_dir: Path = REPO / "var" / "index"
    model_dir: str = str(REPO / "models" / "multilingual-e5-small")
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    keep_versions: int = Field(default=3, ge=1)
    batch_size: int = Field(default=32, ge=1)
    max_seq_length: int = Field(default=256, ge=16)
    # Threads for query encoding (one short query gains nothing from more, and on a busy
    # machine extra OpenMP threads spin); builds use build_threads (None: torch's default).
    torch_threads: int | None = Field(default=1, ge=1)
    # Queries: "auto" takes the int8 ONNX export written by prepare-model when the model
    # directory has it (about 3 ms a query instead of 20), else the float32 torch model.
    query_encoder: Literal["auto", "onnx-int8", "torch"] = "auto"
    # Passages (builds): "auto" takes the same int8 export, one passage at a time (about 4
    # times the float32 model's rate, see docs/benchmarks/retrieval.md), else torch. Part of
    # the index's model id: a searcher refuses an index built with the other passage encoder.
    passage_encoder: Literal["auto", "onnx-int8", "torch"] = "auto"
    build_threads: int | None = Field(default=None, ge=1)
    top_k_passages: int = Field(default=60, ge=5)
    calibration_file: Path = REPO / "indexer" / "calibration.json"
    dev_questions: Path = REPO / "benchmarks" / "data" / "dev_questions.jsonl"


def get_settings() -> IndexerSettings:
    return IndexerSettings()
