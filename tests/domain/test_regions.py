"""Shandong's administrative divisions (GB/T 2260, as of 2025): the table, and the checks and names built on it."""

import json

import pytest

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.regions import (
    DIVISIONS_FILE,
    district_name,
    region_name,
    shandong_cities,
    shandong_divisions,
    validate_region_prefix,
    validate_shandong_division,
)


def test_the_table_holds_the_province_its_16_cities_and_their_136_districts_and_counties():
    table = shandong_divisions()
    assert table["370000"].name == "山东省"
    assert len(shandong_cities()) == 16 and shandong_cities()["3701"].name == "济南市"
    counties = [d for d in table.values() if d.is_county]
    assert len(counties) == 136
    assert all(d.code[:4] in shandong_cities() for d in counties)
    assert json.loads(DIVISIONS_FILE.read_text(encoding="utf-8"))["source"]  # it says where it comes from


def test_jinan_as_it_is_since_2019():
    jinan = {d.code: d.name for d in shandong_divisions().values() if d.is_county and d.code.startswith("3701")}
    assert jinan == {"370102": "历下区", "370103": "市中区", "370104": "槐荫区", "370105": "天桥区", "370112": "历城区",
                     "370113": "长清区", "370114": "章丘区", "370115": "济阳区", "370116": "莱芜区", "370117": "钢城区",
                     "370124": "平阴县", "370126": "商河县"}


@pytest.mark.parametrize("gone", ["371200", "371202", "371203",  # Laiwu City, until 2019
                                  "370181", "370125",            # Zhangqiu City (2016), Jiyang County (2018)
                                  "370282", "370634", "370684"])  # Jimo City (2017), Changdao, Penglai City (2020)
def test_codes_retired_by_those_changes_are_unknown(gone):
    with pytest.raises(DomainError) as caught:
        validate_shandong_division(gone)
    assert (caught.value.code, caught.value.field) == (ErrorCode.REGION_UNKNOWN, "regionCode")


@pytest.mark.parametrize("prefix", ["37", "3701", "3717", "370102", "370116", "370100"])
def test_prefixes_of_real_divisions_are_accepted(prefix):
    assert validate_region_prefix(prefix) == prefix


@pytest.mark.parametrize(("prefix", "code"), [
    ("3799", ErrorCode.REGION_UNKNOWN), ("379999", ErrorCode.REGION_UNKNOWN), ("3712", ErrorCode.REGION_UNKNOWN),
    ("11", ErrorCode.REGION_UNKNOWN), ("370199", ErrorCode.REGION_UNKNOWN),
    ("3", ErrorCode.REGION_PREFIX_INVALID), ("37010", ErrorCode.REGION_PREFIX_INVALID),
    ("", ErrorCode.REGION_PREFIX_INVALID), ("３７", ErrorCode.REGION_PREFIX_INVALID),
])
def test_other_prefixes_are_refused(prefix, code):
    with pytest.raises(DomainError) as caught:
        validate_region_prefix(prefix)
    assert (caught.value.code, caught.value.field) == (code, "regionPrefix")


def test_the_empty_prefix_means_everywhere_only_where_asked():
    assert validate_region_prefix("", everywhere=True) == ""


def test_a_district_is_named_beside_its_city():
    assert (region_name("370102", "zh_CN"), district_name("370102", "zh_CN")) == ("济南市", "历下区")
    assert (region_name("370116", "en"), district_name("370116", "en")) == ("Jinan", "Laiwu District")
    assert district_name("370100", "zh_CN") is None  # the city's own code names no district
    assert district_name("379999", "zh_CN") is None and region_name("110105", "zh_CN") == "110105"
