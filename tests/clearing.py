"""A March of settlements for the clearing tests, and a China-time clock."""

from datetime import datetime

from backend.clock import CHINA
from backend.domain.settlement import VisitType
from backend.principals import Actor, Channel
from backend.services.money import settlement
from tests.money import grant, jinan_family, line, settle_for


def china(rt, year, month, day, hour=12, minute=0) -> None:
    """Move the test clock to a China-time instant."""
    rt.clock._at = datetime(year, month, day, hour, minute, tzinfo=CHINA).astimezone(rt.clock.now().tzinfo)


def march_world(rt):
    """A March of settlements at a pharmacy and a hospital, a refund, and one settlement on April 1st."""
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter)
    china(rt, 2026, 3, 5)
    daughter, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("A", 150_00), line("C", 40_00)])
    father, _ = settle_for(rt, fam.hospital, fam.father, fam.father, [line("A", 300_00), line("B", 80_00)],
                           visit=VisitType.OUTPATIENT)
    son, _ = settle_for(rt, fam.pharmacy, fam.son, fam.son, [line("A", 60_00), line("NON_MEDICAL", 9_00)])
    settlement.refund(rt, Actor(fam.pharmacy, Channel.GRAPHQL), settlement.RefundRequest(son, None, "refund-son"))
    china(rt, 2026, 3, 31, 23, 59)
    late, _ = settle_for(rt, fam.hospital, fam.mother, fam.mother, [line("A", 120_00)], visit=VisitType.OUTPATIENT)
    china(rt, 2026, 4, 1, 0, 1)
    april, _ = settle_for(rt, fam.pharmacy, fam.mother, fam.mother, [line("A", 20_00)])
    return fam, dict(daughter=daughter, father=father, son=son, late=late, april=april)
