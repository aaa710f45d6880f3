"""The ministries' procedure lists (``dvc-json/_index/*.xlsx``): code -> agency and field.

They only fill gaps: a record whose page left "Cơ quan thực hiện" empty gets the agency the
ministry's list gives for the same code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from indexer.portal.values import clean, is_empty

logger = logging.getLogger(__name__)

HEADER = ("Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực")


@dataclass(frozen=True)
class ListedProcedure:
    code: str
    agency: str
    field: str


def read_listing(path: Path) -> dict[str, ListedProcedure]:
    """Rows under the header above; an empty dict for a workbook laid out differently."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("portal.listing.unreadable file=%s error=%s", path, exc)
        return {}
    found: dict[str, ListedProcedure] = {}
    try:
        for sheet in workbook.worksheets:
            columns: dict[str, int] | None = None
            for row in sheet.iter_rows(values_only=True):
                cells = [clean(str(c)) if c is not None else "" for c in row]
                if columns is None:
                    if all(h in cells for h in HEADER):
                        columns = {h: cells.index(h) for h in HEADER}
                    continue
                code = cells[columns["Mã số"]].strip() if len(cells) > columns["Mã số"] else ""
                if not code:
                    continue
                agency = cells[columns["Cơ quan thực hiện"]].replace("\n", "; ")
                field = cells[columns["Lĩnh vực"]]
                found[code] = ListedProcedure(code, "" if is_empty(agency) else agency,
                                              "" if is_empty(field) else field)
    finally:
        workbook.close()
    if not found:
        logger.info("portal.listing.skipped file=%s (not a ministry procedure list)", path)
    return found
