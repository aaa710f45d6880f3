"""Realistic demo dossiers (JSONL rows of ``DossierIn``) over the catalogue's procedures.

Status shares follow the provincial reports in the seeds: the large majority resolved on
time, a few resolved late, some still in progress and a few of those overdue. The reports'
own late shares are tiny (Thanh Hóa to 15/3/2020: 528 late of 694,719 resolved, 86 overdue of
24,075 in progress; Đức Thọ 2020: 2 late of 1,781, 2 overdue of 13), so 1,000 demo dossiers
drawn at those rates would hold no late dossier at all. ``DEMO_SHARES`` keeps the shape
(on-time dominant) but raises the rare outcomes so that every status appears; the BCCI share
(~25% of results by post) follows Cà Mau's 2021 target of at least 20%.

Every name, phone and ID number is random; agency codes are synthetic.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from indexer.catalog.schema import Procedure, TimeUnit

from api.dossiers.record import VIETNAM, DossierStatus

# (status, overdue) -> share
DEMO_SHARES: dict[tuple[DossierStatus, bool], float] = {
    (DossierStatus.resolved_on_time, False): 0.86,
    (DossierStatus.resolved_late, False): 0.02,
    (DossierStatus.processing, False): 0.06,
    (DossierStatus.received, False): 0.02,
    (DossierStatus.processing, True): 0.01,
    (DossierStatus.waiting_additional, False): 0.015,
    (DossierStatus.returned, False): 0.005,
    (DossierStatus.refused, False): 0.005,
    (DossierStatus.withdrawn, False): 0.005,
}
POST_SHARE = 0.25
PROVINCE = "H12"  # one synthetic province part for every demo code
APOLOGY_SHARE = 0.7

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
          "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Gia"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
         "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn",
         "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]
PLACES = ["An Bình", "Tân Phú", "Hòa Thuận", "Phước Long", "Thạnh Mỹ", "Đông Hòa",
          "Long Hưng", "Mỹ Phước"]
REASONS = {
    DossierStatus.waiting_additional: "Bổ sung giấy tờ theo phiếu yêu cầu bổ sung, hoàn "
                                      "thiện hồ sơ đã gửi Anh/Chị.",
    DossierStatus.returned: "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan tiếp nhận.",
    DossierStatus.refused: "Hồ sơ không đáp ứng điều kiện theo quy định của thủ tục.",
}


@dataclass(frozen=True)
class DemoOptions:
    count: int = 1000
    seed: int = 42
    as_of: datetime = datetime(2026, 11, 20, 9, 0, tzinfo=VIETNAM)


def add_working_days(start: datetime, days: int) -> datetime:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def _time_limit_days(procedure: Procedure, rng: random.Random) -> int:
    """The catalogue's time limit in working days when it is given in days, else 3-15."""
    for channel in procedure.channels:
        t = channel.time
        if t and t.value and t.unit in (TimeUnit.working_days, TimeUnit.days):
            return max(1, int(t.value))
        if t and t.unit is TimeUnit.same_day:
            return 1
    return rng.randint(3, 15)


def _agency(procedure: Procedure, rng: random.Random) -> tuple[str, str]:
    """(display name, synthetic agency code part) from the procedure's level."""
    place = rng.choice(PLACES)
    if "cấp xã" in procedure.levels:
        return (f"Bộ phận Một cửa UBND phường {place}",
                f"{rng.randint(1, 99):03d}.{rng.randint(1, 20):02d}.{rng.randint(1, 20):02d}")
    if "cấp tỉnh" in procedure.levels:
        return "Trung tâm Phục vụ hành chính công tỉnh", f"000.00.{rng.randint(1, 40):02d}"
    return procedure.agency[:120], f"000.00.{rng.randint(41, 60):02d}"


def _pick(rng: random.Random) -> tuple[DossierStatus, bool]:
    keys = list(DEMO_SHARES)
    return rng.choices(keys, weights=[DEMO_SHARES[k] for k in keys])[0]


def _fake_person(rng: random.Random) -> tuple[str, str, str]:
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    phone = "0" + rng.choice("35789") + "".join(rng.choices("0123456789", k=8))
    id_number = "0" + "".join(rng.choices("0123456789", k=11))
    return name, phone, id_number


def generate(procedures: Sequence[Procedure], options: DemoOptions) -> Iterator[dict[str, object]]:
    if not procedures:
        raise ValueError("no procedures to draw from")
    rng = random.Random(options.seed)
    now = options.as_of
    sequence: dict[str, int] = {}
    for _ in range(options.count):
        procedure = rng.choice(list(procedures))
        status, overdue = _pick(rng)
        limit = _time_limit_days(procedure, rng)
        open_ = status in (DossierStatus.received, DossierStatus.processing,
                           DossierStatus.waiting_additional)
        if open_ and not overdue:
            received = now - timedelta(days=rng.randint(0, max(limit - 1, 0)),
                                       hours=rng.randint(0, 6))
        else:
            received = now - timedelta(days=rng.randint(limit + 3, limit + 120),
                                       hours=rng.randint(0, 6))
        received = received.replace(hour=rng.randint(7, 16), minute=rng.randint(0, 59),
                                    second=0, microsecond=0)
        if received > now:
            received -= timedelta(days=1)
        due = add_working_days(received, limit).replace(hour=16, minute=30)
        if open_ and not overdue and due <= now:
            due = add_working_days(now, rng.randint(1, 5)).replace(hour=16, minute=30)
        resolved: datetime | None = None
        apology = False
        new_day: date | None = None
        if status is DossierStatus.resolved_on_time:
            span = (due - received).total_seconds()
            resolved = received + timedelta(minutes=int(rng.uniform(0.3, 1.0) * span / 60))
        elif status is DossierStatus.resolved_late:
            resolved = due + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 5))
            apology = rng.random() < APOLOGY_SHARE
            if apology:
                new_day = (due + timedelta(days=rng.randint(1, 7))).date()
        elif overdue:
            apology = rng.random() < APOLOGY_SHARE
            if apology:
                new_day = add_working_days(now, rng.randint(2, 7)).date()
        elif status in (DossierStatus.returned, DossierStatus.refused, DossierStatus.withdrawn):
            resolved = received + timedelta(days=rng.randint(1, max(limit, 2)))
        if resolved is not None and resolved > now:
            resolved = (now - timedelta(hours=1)).replace(second=0, microsecond=0)
        agency, agency_code = _agency(procedure, rng)
        prefix = f"{agency_code}.{PROVINCE}"
        day_key = f"{prefix}-{received:%y%m%d}"
        sequence[day_key] = sequence.get(day_key, 0) + 1
        name, phone, id_number = _fake_person(rng)
        yield {
            "code": f"{day_key}-{sequence[day_key]:04d}",
            "procedure_id": procedure.id,
            "procedure_code": procedure.code,
            "procedure_name": procedure.name,
            "applicant_name": name,
            "phone": phone,
            "id_number": id_number,
            "received_at": received.isoformat(),
            "due_at": due.isoformat(),
            "resolved_at": resolved.isoformat() if resolved else None,
            "status": status.value,
            "reason": REASONS.get(status),
            "agency": agency,
            "apology_issued": apology,
            "new_appointment": new_day.isoformat() if new_day else None,
            "delivery": "post" if rng.random() < POST_SHARE else "counter",
        }
