"""A province's list of procedures (``DVC_TTHC_<Province>_<n>.xlsx``): which procedures it serves.

The list has one row per procedure the province publishes on its public service portal:
``STT, Mã TTHC, MỨC ĐỘ DVC, TÊN TTHC, LĨNH VỰC, QUYẾT ĐỊNH``. ``Mã TTHC`` is the province's
service code (``1.001193.000.00.00.H37``); its first part is the national procedure code. Some
rows carry internal codes (``CCCX_01``) or test entries; they are reported, never served.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from indexer.errors import IndexerError
from indexer.portal.values import clean

logger = logging.getLogger(__name__)

CODE_COLUMN = "Mã TTHC"
NAME_COLUMN = "TÊN TTHC"
OPTIONAL_COLUMNS = {"level": "MỨC ĐỘ DVC", "field": "LĨNH VỰC", "decision": "QUYẾT ĐỊNH"}
_NATIONAL_CODE_RE = re.compile(r"^(\d\.\d{6})(?:\.|$)")
_TEST_RE = re.compile(r"\btest\b", re.IGNORECASE)
# "cấp huyện" as an administrative level: "(Cấp huyện)", "Ủy ban nhân dân cấp huyện",
# "UBND huyện", "(Nộp tại huyện)". Not "trên địa bàn 2 huyện trở lên", which names places.
_DISTRICT_RE = re.compile(
    r"cấp\s+huyện|(?:ủy|uỷ)\s+ban\s+nhân\s+dân\s+(?:cấp\s+)?huyện|ubnd\s+(?:cấp\s+)?huyện"
    r"|nộp\s+tại\s+huyện",
    re.IGNORECASE,
)


def names_district_level(name: str) -> bool:
    """The name names the district level (cấp huyện) as a level, not as a place."""
    return bool(_DISTRICT_RE.search(name))


class ProvinceListError(IndexerError):
    """The province list cannot be read or has no recognisable header."""


@dataclass(frozen=True)
class ListedRow:
    row: int  # spreadsheet row number, 1-based as a maintainer sees it
    service_code: str  # as written in the list, e.g. 1.001193.000.00.00.H37
    code: str | None  # national procedure code, e.g. 1.001193; None for internal codes
    name: str
    field: str = ""
    online_level: str = ""  # "Toàn trình", "Một phần", "Mức độ 2"...: online service level
    decision: str = ""

    @property
    def district_level(self) -> bool:
        """The listed name still names the district level abolished on 1 July 2025."""
        return names_district_level(self.name)

    @property
    def is_test(self) -> bool:
        return bool(_TEST_RE.search(self.name) or _TEST_RE.search(self.service_code))


@dataclass
class ProvinceList:
    path: Path
    rows: list[ListedRow] = field(default_factory=list)
    blank_rows: int = 0  # rows under the header without a code


def national_code(raw: object) -> str | None:
    """``1.001193.000.00.00.H37`` -> ``1.001193``. A spreadsheet may hold ``2.000815`` as a
    float, which loses trailing zeros; six decimals put them back."""
    if raw is None:
        return None
    text = f"{raw:.6f}" if isinstance(raw, float) else str(raw).strip()
    match = _NATIONAL_CODE_RE.match(text)
    return match.group(1) if match else None


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def read_province_list(path: Path) -> ProvinceList:
    path = Path(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ProvinceListError(f"{path}: cannot read the province list: {exc}") from exc
    result = ProvinceList(path)
    try:
        for sheet in workbook.worksheets:
            columns: dict[str, int | None] | None = None
            for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
                raw = list(row)
                cells = [clean(str(c)) if c is not None else "" for c in raw]
                if columns is None:
                    upper = [c.upper() for c in cells]
                    if CODE_COLUMN.upper() in upper and NAME_COLUMN in upper:
                        columns = {"code": upper.index(CODE_COLUMN.upper()),
                                   "name": upper.index(NAME_COLUMN)}
                        for key, title in OPTIONAL_COLUMNS.items():
                            columns[key] = upper.index(title) if title in upper else None
                    continue
                code_index = columns["code"]
                assert code_index is not None
                raw_code = raw[code_index] if code_index < len(raw) else None
                service_code = _cell(cells, code_index).strip()
                if not service_code:
                    result.blank_rows += 1
                    continue
                if isinstance(raw_code, float):
                    service_code = f"{raw_code:.6f}"
                result.rows.append(ListedRow(
                    row=number, service_code=service_code, code=national_code(raw_code),
                    name=" ".join(_cell(cells, columns["name"]).split()),
                    field=" ".join(_cell(cells, columns["field"]).split()),
                    online_level=_cell(cells, columns["level"]).strip(),
                    decision=_cell(cells, columns["decision"]).strip(),
                ))
    finally:
        workbook.close()
    if not result.rows:
        raise ProvinceListError(
            f"{path}: no procedure rows found (expected a header row with "
            f"'{CODE_COLUMN}' and '{NAME_COLUMN}')"
        )
    logger.info("province.list.read file=%s rows=%d", path.name, len(result.rows))
    return result
