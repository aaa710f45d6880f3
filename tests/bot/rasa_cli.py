"""Helpers for the bot tests: run the Rasa CLI, tell whether a trained model is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "bot" / "models" / "bot.tar.gz"
SOURCES = [REPO / "config.yml", REPO / "bot" / "domain.yml",
           *sorted((REPO / "bot" / "data").glob("*.yml")),
           *sorted((REPO / "bot" / "components").glob("*.py"))]


def run_rasa(args: List[str], timeout: float = 1800) -> subprocess.CompletedProcess:
    """Runs the Rasa CLI of this interpreter's environment from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def model_is_fresh(model: Path) -> bool:
    return model.is_file() and model.stat().st_mtime >= max(p.stat().st_mtime for p in SOURCES)
