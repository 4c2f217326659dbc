"""Near relatives (近亲属) under the 2025 Shandong rules (R1), with each kind's inverse.

A stored relationship reads "person is relative's <kind>": kind PARENT means person is the
relative's parent, so the relative is the person's CHILD.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from backend.domain.errors import N_, DomainError, ErrorCode, Msg
from backend.domain.idnumber import Sex


class Kinship(StrEnum):
    SPOUSE = "spouse"
    PARENT = "parent"
    CHILD = "child"
    SIBLING = "sibling"
    PATERNAL_GRANDPARENT = "paternal_grandparent"
    PATERNAL_GRANDCHILD = "paternal_grandchild"
    MATERNAL_GRANDPARENT = "maternal_grandparent"
    MATERNAL_GRANDCHILD = "maternal_grandchild"


INVERSE: dict[Kinship, Kinship] = {
    Kinship.SPOUSE: Kinship.SPOUSE,
    Kinship.PARENT: Kinship.CHILD,
    Kinship.CHILD: Kinship.PARENT,
    Kinship.SIBLING: Kinship.SIBLING,
    Kinship.PATERNAL_GRANDPARENT: Kinship.PATERNAL_GRANDCHILD,
    Kinship.PATERNAL_GRANDCHILD: Kinship.PATERNAL_GRANDPARENT,
    Kinship.MATERNAL_GRANDPARENT: Kinship.MATERNAL_GRANDCHILD,
    Kinship.MATERNAL_GRANDCHILD: Kinship.MATERNAL_GRANDPARENT,
}

# The elder side of a generational kind, to check birth dates against.
_ELDER_KINDS = {Kinship.PARENT, Kinship.PATERNAL_GRANDPARENT, Kinship.MATERNAL_GRANDPARENT}
_YOUNGER_KINDS = {INVERSE[k] for k in _ELDER_KINDS}


def inverse(kind: Kinship) -> Kinship:
    return INVERSE[kind]


# Kinds people often mean that R1 does not cover; named so a refusal can say what was asked.
NOT_NEAR_RELATIVES: dict[str, str] = {
    "parent_in_law": N_("parent-in-law"),
    "child_in_law": N_("son- or daughter-in-law"),
    "sibling_in_law": N_("brother- or sister-in-law"),
    "uncle_aunt": N_("uncle or aunt"),
    "nephew_niece": N_("nephew or niece"),
    "cousin": N_("cousin"),
    "friend": N_("friend"),
}


def kind_of_other(stored: Kinship, other_is_stored_person: bool) -> Kinship:
    """What the other party of a stored relationship is to the one looking at it."""
    return stored if other_is_stored_person else INVERSE[stored]


def parse_kinship(raw: str) -> Kinship:
    """A near-relative kind, or a refusal naming rule R1 (in-laws, uncles, cousins, friends...)."""
    key = raw.strip().lower()
    try:
        return Kinship(key)
    except ValueError:
        label = Msg(NOT_NEAR_RELATIVES[key]) if key in NOT_NEAR_RELATIVES else key[:40]
        raise DomainError(ErrorCode.NOT_NEAR_RELATIVE, field="kind", kind=label) from None


def check_claim(kind: Kinship, person_born: date, relative_born: date, *, same_person: bool) -> None:
    """Refuse a claim that cannot be true: oneself, or an elder younger than their descendant."""
    if same_person:
        raise DomainError(ErrorCode.SELF_RELATIONSHIP, field="idNumber")
    if kind in _ELDER_KINDS and person_born >= relative_born:
        raise DomainError(ErrorCode.AGE_INCONSISTENT, field="kind")
    if kind in _YOUNGER_KINDS and person_born <= relative_born:
        raise DomainError(ErrorCode.AGE_INCONSISTENT, field="kind")


# Sex-specific labels (generic, male, female) as gettext ids; the edge translates them.
LABELS: dict[Kinship, tuple[str, str, str]] = {
    Kinship.SPOUSE: (N_("spouse"), N_("husband"), N_("wife")),
    Kinship.PARENT: (N_("parent"), N_("father"), N_("mother")),
    Kinship.CHILD: (N_("child"), N_("son"), N_("daughter")),
    Kinship.SIBLING: (N_("sibling"), N_("brother"), N_("sister")),
    Kinship.PATERNAL_GRANDPARENT: (
        N_("paternal grandparent"), N_("paternal grandfather"), N_("paternal grandmother")
    ),
    Kinship.PATERNAL_GRANDCHILD: (
        N_("paternal grandchild"), N_("grandson (son's son)"), N_("granddaughter (son's daughter)")
    ),
    Kinship.MATERNAL_GRANDPARENT: (
        N_("maternal grandparent"), N_("maternal grandfather"), N_("maternal grandmother")
    ),
    Kinship.MATERNAL_GRANDCHILD: (
        N_("maternal grandchild"), N_("grandson (daughter's son)"), N_("granddaughter (daughter's daughter)")
    ),
}


def kinship_label_id(kind: Kinship, sex: Sex | None) -> str:
    """The gettext id naming a relative of this kind and sex."""
    generic, male, female = LABELS[kind]
    return {Sex.MALE: male, Sex.FEMALE: female}.get(sex, generic) if sex else generic
