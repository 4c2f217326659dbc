"""What the catalogue package reads in batches: the entry in force today behind each national code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, select

from backend.clock import CHINA
from backend.graph.core.loaders import Batched
from backend.services.catalogue.lookup import in_force
from backend.storage.models import CatalogueEntry


def entries_in_force(s: Session, codes: Sequence[str], now: datetime) -> dict[str, CatalogueEntry]:
    today = now.astimezone(CHINA).date()
    rows = s.exec(select(CatalogueEntry).where(CatalogueEntry.national_code.in_(codes), in_force(today))).all()
    return {row.national_code: row for row in rows}


LOADERS = {"catalogue_entry_today": Batched(entries_in_force, now=True)}
