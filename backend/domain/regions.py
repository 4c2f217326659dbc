"""Region codes (统筹区, GB/T 2260): Jinan is 3701xx, Shandong is 37xxxx."""

from __future__ import annotations

import re

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import known_province

# ASCII digits only, and the whole text: \d takes other scripts' digits and $ a trailing newline.
_REGION = re.compile(r"[0-9]{6}")

# Shandong's prefecture-level cities, by the first four digits.
SHANDONG_CITIES: dict[str, tuple[str, str]] = {
    "3701": ("济南市", "Jinan"),
    "3702": ("青岛市", "Qingdao"),
    "3703": ("淄博市", "Zibo"),
    "3704": ("枣庄市", "Zaozhuang"),
    "3705": ("东营市", "Dongying"),
    "3706": ("烟台市", "Yantai"),
    "3707": ("潍坊市", "Weifang"),
    "3708": ("济宁市", "Jining"),
    "3709": ("泰安市", "Tai'an"),
    "3710": ("威海市", "Weihai"),
    "3711": ("日照市", "Rizhao"),
    "3713": ("临沂市", "Linyi"),
    "3714": ("德州市", "Dezhou"),
    "3715": ("聊城市", "Liaocheng"),
    "3716": ("滨州市", "Binzhou"),
    "3717": ("菏泽市", "Heze"),
}


def validate_region_code(code: str) -> str:
    if not _REGION.fullmatch(code or ""):
        raise DomainError(ErrorCode.REGION_CODE_INVALID, field="regionCode")
    return code


def in_jinan(code: str) -> bool:
    return code.startswith("3701")


def in_shandong(code: str) -> bool:
    return code.startswith("37")


def region_name(code: str, locale: str) -> str:
    """The city's name for a Shandong region code; the code itself elsewhere."""
    city = SHANDONG_CITIES.get(code[:4])
    if city is None:
        return code
    return city[0] if locale.startswith("zh") else city[1]


def is_known_region(code: str) -> bool:
    """Six digits under a real province; in Shandong, under one of its cities as well."""
    if not _REGION.fullmatch(code or "") or not known_province(code):
        return False
    return not in_shandong(code) or code[:4] in SHANDONG_CITIES
