"""Region codes (统筹区, GB/T 2260): Jinan is 3701xx, Shandong is 37xxxx.

Shandong's divisions (the province, its 16 cities, their districts and counties) come from the table in
`backend/data/shandong_divisions.json`, which names its source and date. It is reference data shipped
with the code and read once, so the rules here stay plain functions of their arguments.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import known_province

DIVISIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "shandong_divisions.json"

# ASCII digits only, and the whole text: \d takes other scripts' digits and $ a trailing newline.
_REGION = re.compile(r"[0-9]{6}")
_PREFIX = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}")
SHANDONG = "37"


@dataclass(frozen=True)
class Division:
    code: str     # six digits: 370000 the province, 3701 00 a city, 370102 a district or county
    name: str     # 历下区
    name_en: str  # Lixia District

    @property
    def is_city(self) -> bool:
        return self.code.endswith("00") and not self.code.endswith("0000")

    @property
    def is_county(self) -> bool:
        """A district, county or county-level city (区, 县, 县级市)."""
        return not self.code.endswith("00")

    def local_name(self, locale: str) -> str:
        return self.name if locale.startswith("zh") else self.name_en


@cache
def shandong_divisions() -> dict[str, Division]:
    """Every division of Shandong in the table, by code."""
    table = json.loads(DIVISIONS_FILE.read_text(encoding="utf-8"))
    return {code: Division(code, name, name_en) for code, name, name_en in table["divisions"]}


@cache
def shandong_cities() -> dict[str, Division]:
    """Shandong's prefecture-level cities, by the first four digits of their codes."""
    return {d.code[:4]: d for d in shandong_divisions().values() if d.is_city}


def validate_region_code(code: str) -> str:
    """Six digits (any province: people may be insured outside Shandong)."""
    if not _REGION.fullmatch(code or ""):
        raise DomainError(ErrorCode.REGION_CODE_INVALID, field="regionCode")
    return code


def validate_shandong_division(code: str, field: str = "regionCode") -> str:
    """A code of the table: the province, one of its cities, or a district or county."""
    if not _REGION.fullmatch(code or ""):
        raise DomainError(ErrorCode.REGION_CODE_INVALID, field=field)
    if code not in shandong_divisions():
        raise DomainError(ErrorCode.REGION_UNKNOWN, field=field)
    return code


def validate_region_prefix(prefix: str, field: str = "regionPrefix", *, everywhere: bool = False) -> str:
    """A prefix that names a division of the table: "37" (Shandong), "3701" (a city: Jinan) or a
    district's or county's full code. `everywhere`: the empty prefix is accepted too."""
    if everywhere and prefix == "":
        return prefix
    if not _PREFIX.fullmatch(prefix or ""):
        raise DomainError(ErrorCode.REGION_PREFIX_INVALID, field=field)
    known = (prefix == SHANDONG if len(prefix) == 2 else prefix in shandong_cities() if len(prefix) == 4
             else prefix in shandong_divisions())
    if not known:
        raise DomainError(ErrorCode.REGION_UNKNOWN, field=field)
    return prefix


def in_jinan(code: str) -> bool:
    return code.startswith("3701")


def in_shandong(code: str) -> bool:
    return code.startswith(SHANDONG)


def region_name(code: str, locale: str) -> str:
    """The city's name for a Shandong region code; the code itself elsewhere."""
    city = shandong_cities().get(code[:4])
    return city.local_name(locale) if city is not None else code


def district_name(code: str, locale: str) -> str | None:
    """The district's or county's name (历下区 for 370102); None for a city's or province's own code
    and for codes outside the table."""
    division = shandong_divisions().get(code)
    return division.local_name(locale) if division is not None and division.is_county else None


def is_known_region(code: str) -> bool:
    """Six digits under a real province; in Shandong, under one of its cities as well."""
    if not _REGION.fullmatch(code or "") or not known_province(code):
        return False
    return not in_shandong(code) or code[:4] in shandong_cities()
