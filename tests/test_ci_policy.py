"""Under CI a skip is a failure (tests/conftest.py); checked with pytest's own pytester."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
CONFTEST = (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(("ci", "expected"), [("true", "failed"), ("", "skipped")])
def test_skip_becomes_failure_only_under_ci(pytester: pytest.Pytester,
                                            monkeypatch: pytest.MonkeyPatch,
                                            ci: str, expected: str) -> None:
    monkeypatch.setenv("CI", ci)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_x="import pytest\n\ndef test_x():\n    pytest.skip('no redis')\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get(expected) == 1, result.stdout.str()
