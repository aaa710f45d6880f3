"""Measure ``import-portal`` on ../shared/data: rates, cross-check, reasons, wall time.

    python benchmarks/bench_import.py [--data ../shared/data] [--jobs 2] [--json]

Writes nothing; prints the numbers recorded in docs/benchmarks/catalog.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from indexer.portal.importer import ImportResult, run_import  # noqa: E402


def _reason(result: ImportResult, code: str) -> str:
    records = [r for r in result.records if r.code == code]
    notes = " ".join(n for r in records for n in r.notes)
    if "run together" in notes:
        return "time and fee glued together, cannot be split"
    if "gives 1 without a unit" in notes:
        return "bare '1' without a unit (a placeholder; no unit taken from the steps)"
    if "without a unit" in notes:
        return "bare number other than 1 without a unit, and no unit in the record text"
    return "no time stated in the source (blank, 'Không quy định', '0 Giờ', free text)"


def breakdown(result: ImportResult) -> dict[str, object]:
    incomplete = Counter()
    for failure in result.incomplete:
        primary = min((r for r in result.records if r.code == failure.code),
                      key=lambda r: ("dvc-docx", "dvc-bqp", "dvc-json").index(r.source))
        incomplete[f"{primary.source}: {_reason(result, failure.code)}"] += 1
    flat = [r for r in result.records if r.source == "dvc-json"]
    def remarked(records: list, *phrases: str) -> int:  # parser remarks (Source.remarks)
        return sum(any(all(ph in n for ph in phrases) for n in r.notes) for r in records)

    recovered = remarked(flat, "unit not in the portal table")
    lost = remarked(flat, "without a unit")
    from_description = remarked(result.records, "taken from the description", "opens with it")
    from_valid_clause = remarked(result.records, "clause for a valid dossier")
    per_source = Counter(r.source for r in result.records)
    no_agency = sum("agency" in p.source.unverified for p in result.procedures.values())
    return {
        "records_per_source": dict(per_source),
        "json_records_unit_lost": recovered + lost,
        "json_records_unit_recovered_from_text": recovered,
        "records_time_from_description_column": from_description,
        "records_time_from_valid_dossier_clause": from_valid_clause,
        "procedures_without_agency": no_agency,
        "incomplete_by_reason": dict(incomplete.most_common()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    sources = [args.data / name for name in ("dvc-json", "dvc-docx", "dvc-bqp")]
    start, cpu = time.perf_counter(), time.process_time()
    result = run_import(sources, jobs=args.jobs, progress=False)
    numbers = {
        "summary": result.summary(),
        "breakdown": breakdown(result),
        "wall_seconds": round(time.perf_counter() - start, 1),
        "main_process_cpu_seconds": round(time.process_time() - cpu, 1),
        "jobs": args.jobs,
    }
    print(json.dumps(numbers, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
