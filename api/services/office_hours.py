"""Office hours of the hotline desk and the expected wait in the handoff queue."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from api.settings import ApiSettings

DAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


def _hm(t: time) -> str:
    return t.strftime("%H:%M")


class OfficeHours:
    def __init__(self, settings: ApiSettings) -> None:
        self.s = settings
        self.tz = timezone(timedelta(hours=settings.utc_offset_hours))

    def is_open(self, now: datetime | None = None) -> bool:
        local = (now or datetime.now(timezone.utc)).astimezone(self.tz)
        t = local.time()
        morning = self.s.morning_open <= t < self.s.morning_close
        afternoon = self.s.afternoon_open <= t < self.s.afternoon_close
        if local.weekday() in self.s.office_days:
            return morning or afternoon
        if local.weekday() == 5 and self.s.saturday_morning:
            return morning
        return False

    def describe(self) -> str:
        days = sorted(set(self.s.office_days))
        if not days:  # API_OFFICE_DAYS=[]: the desk keeps no regular hours
            return "hiện không có lịch làm việc cố định"
        if len(days) > 1 and days == list(range(days[0], days[-1] + 1)):
            day_text = f"{DAY_NAMES[days[0]]} đến {DAY_NAMES[days[-1]]}"
        else:
            day_text = ", ".join(DAY_NAMES[d] for d in days)
        text = (f"{day_text}: {_hm(self.s.morning_open)}–{_hm(self.s.morning_close)} và "
                f"{_hm(self.s.afternoon_open)}–{_hm(self.s.afternoon_close)}")
        if self.s.saturday_morning and 5 not in days:
            text += f"; sáng Thứ Bảy: {_hm(self.s.morning_open)}–{_hm(self.s.morning_close)}"
        return text
