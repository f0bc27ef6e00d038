"""居民身份证号码 (GB 11643-1999): checked as typed, with Chinese messages; birth date and sex read
from it; shown masked. Stored encrypted (core/fields.EncryptedTextField) with a blind index."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from chuangcheng.core import crypto
from chuangcheng.core.errors import ValidationFailed

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
INDEX_PURPOSE = "id_number"


@dataclass(frozen=True)
class IdNumber:
    number: str  # 18 characters, the check character upper case
    birth: dt.date
    male: bool

    @property
    def masked(self) -> str:
        return mask_id(self.number)

    @property
    def index(self) -> str:
        return id_index(self.number)


def check_char(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse_id(raw: str, *, field: str = "id_number", today: dt.date | None = None) -> IdNumber:
    """A valid 18-digit number, or ValidationFailed saying what is wrong with it."""
    number = re.sub(r"\s", "", raw or "").upper()

    def bad(message: str) -> ValidationFailed:
        return ValidationFailed(f"身份证号码有误：{message}", fields={field: [message]})

    if not number:
        raise bad("未填写")
    if len(number) != 18:
        raise bad(f"应为 18 位，现为 {len(number)} 位")
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise bad("前 17 位应为数字，最后一位为数字或 X")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise bad(f"出生日期 {number[6:14]} 不存在") from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1900:
        raise bad(f"出生日期 {birth:%Y-%m-%d} 不合理")
    if check_char(number[:17]) != number[17]:
        raise bad("校验位不符，请核对")
    return IdNumber(number=number, birth=birth, male=int(number[16]) % 2 == 1)


def mask_id(number: str) -> str:
    """150102********123X: the region and the last four, never the birth date."""
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def id_index(number: str) -> str:
    """The blind index of a (parsed) number, to find a person or keep a number unique."""
    return crypto.blind_index(number.upper(), INDEX_PURPOSE)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
