"""Staff search finds people by full ID number, last digits, phone and name fragment, on every backend."""

from datetime import date

import pytest
from sqlalchemy import text

from backend.domain.search import classify, name_grams
from backend.services.people import search
from backend.services.people.search import search_people
from tests.helpers import person


def _found(rt, typed: str) -> list[str]:
    with rt.db.read() as s:
        found = search_people(s, classify(typed), 0, 20)
    assert found.total == len(found.people) and not found.capped
    return [p.name for p in found.people]


def test_every_kind_of_search(rt):
    granny = person(rt, "王秀英", date(1952, 5, 20), phone="13800000003")
    person(rt, "李秀兰", date(1955, 1, 9), phone="13800000004")
    person(rt, "欧阳秀", date(1990, 7, 1))
    person(rt, "100%_王", date(1991, 7, 1))
    assert _found(rt, granny.id_number) == ["王秀英"]
    assert _found(rt, granny.id_number.lower()) == ["王秀英"]
    assert _found(rt, granny.id_number[-6:]) == ["王秀英"]
    assert _found(rt, "138 0000 0003") == ["王秀英"]
    assert _found(rt, "13800000009") == []
    assert sorted(_found(rt, "秀")) == sorted(["王秀英", "李秀兰", "欧阳秀"])
    assert _found(rt, "秀英") == ["王秀英"]
    assert _found(rt, "欧阳") == ["欧阳秀"]
    assert _found(rt, "王秀英") == ["王秀英"]
    assert _found(rt, "英秀") == []  # both characters are there, not in this order
    assert sorted(_found(rt, "王")) == sorted(["王秀英", "100%_王"])
    assert _found(rt, "%_") == ["100%_王"]  # LIKE's wildcards are plain characters here


def test_last_digits_find_everyone_whose_number_ends_so(rt):
    people = [person(rt, name, date(1980 + i, 1, 1 + i)) for i, name in enumerate("甲乙丙丁")]
    for digits in (4, 6, 17):
        suffix = people[0].id_number[-digits:]
        expected = sorted(p.name for p in people if p.id_number.endswith(suffix))
        assert sorted(_found(rt, suffix)) == expected
    assert _found(rt, people[1].id_number[-6:]) == ["乙"]
    assert _found(rt, people[1].id_number[:6]) == []  # the start of a number is not its end


def test_results_come_a_page_at_a_time_and_past_the_cap_the_count_stops_and_nothing_is_listed(rt, monkeypatch):
    for i, given in enumerate("甲乙丙丁戊"):
        person(rt, f"王{given}", date(1980, 1, 1 + i), password=None)
    with rt.db.read() as s:
        second = search_people(s, classify("王"), 2, 2)
        assert [p.name for p in second.people] == sorted(f"王{g}" for g in "甲乙丙丁戊")[2:4]
        assert (second.total, second.capped) == (5, False)
        monkeypatch.setattr(search, "COUNT_CAP", 5)
        assert search_people(s, classify("王"), 0, 20).total == 5  # at the cap: still exact, still listed
        monkeypatch.setattr(search, "COUNT_CAP", 4)
        assert search_people(s, classify("王"), 0, 20) == search.Found([], 4, True)


def test_the_database_splits_names_as_the_domain_does(rt):
    if rt.db.dialect != "postgresql":
        pytest.skip("SQLite has no name index; it scans")
    with rt.db.read() as s:
        for name in ["王", "王秀英", "英英英", "欧阳 娜娜", "Anna"]:
            got = s.execute(text("SELECT person_name_grams(:n)"), {"n": name}).scalar_one()
            assert sorted(set(got)) == name_grams(name), name
