"""What a clerk typed into the search box: a full ID number, its last digits, a phone, or part of a name.

Pure classification, so every storage backend answers the same kind of question. The name index's
units (`name_grams`) live here too: the PostgreSQL function of migration 0009 must produce the same
units, and `tests/domain/test_search.py` checks the two agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from backend.domain.phone import normalize_phone

SUFFIX_MIN = 4  # fewer digits match too many people to be a search
_FULL_ID = re.compile(r"\d{17}[\dX]")
_SUFFIX = re.compile(rf"\d{{{SUFFIX_MIN},17}}|\d{{{SUFFIX_MIN - 1},16}}X")
_PHONE = re.compile(r"1\d{10}")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+X?")


class SearchKind(Enum):
    ID_NUMBER = "id_number"  # all 18 characters: exact
    ID_SUFFIX = "id_suffix"  # the last 4 to 17 characters of an ID number
    PHONE = "phone"          # a mainland mobile number (11 digits, starting with 1): exact
    NAME = "name"            # any other text: a substring of the name


@dataclass(frozen=True)
class SearchQuery:
    kind: SearchKind
    text: str  # an ID number or phone without spaces (ID characters upper-case); a name trimmed


def classify(raw: str) -> SearchQuery | None:
    """The kind of search `raw` asks for; None for nothing to search (blank, or too few digits)."""
    text = _SPACES.sub("", raw)
    if not text:
        return None
    upper = text.upper()  # ID numbers and phones are typed with spaces as often as without
    if _FULL_ID.fullmatch(upper):
        return SearchQuery(SearchKind.ID_NUMBER, upper)
    phone = normalize_phone(raw)  # as the roster import stored it: `+86 139-0531-9993` is 13905319993
    if _PHONE.fullmatch(phone):
        return SearchQuery(SearchKind.PHONE, phone)
    if _SUFFIX.fullmatch(upper):
        return SearchQuery(SearchKind.ID_SUFFIX, upper)
    if _DIGITS.fullmatch(upper):
        return None
    return SearchQuery(SearchKind.NAME, raw.strip())


def name_grams(text: str) -> list[str]:
    """Every character and every pair of neighbouring characters: a name contains a fragment exactly
    when it contains all of the fragment's pairs in sequence, so the pairs narrow the candidates and a
    substring test on the few left confirms. Single characters serve one-character searches."""
    return sorted(set(text) | {text[i:i + 2] for i in range(len(text) - 1)})


def fragment_grams(fragment: str) -> list[str]:
    """The grams a name must contain to contain `fragment`: its pairs, or the character itself."""
    if len(fragment) == 1:
        return [fragment]
    return sorted({fragment[i:i + 2] for i in range(len(fragment) - 1)})
