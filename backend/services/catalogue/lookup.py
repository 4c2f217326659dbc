"""What settlement asks the catalogue (R18): for an institution's item codes, the entry in force on the
service date behind each one's approved mapping, in one statement whatever the number of codes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from backend.domain.catalogue import CatalogueItem, ItemClass, ItemKind, MappingStatus
from backend.storage.models import CatalogueEntry, ItemMapping

_entry = CatalogueEntry.__table__
_mapping = ItemMapping.__table__


def in_force(service_date: date):
    """The condition that an entry is the version in force on `service_date` (versions never overlap)."""
    return and_(_entry.c.valid_from <= service_date,
                or_(_entry.c.valid_to.is_(None), _entry.c.valid_to >= service_date))


def items_query(institution_id, item_codes, service_date):
    """The lookup's SELECT (item code and entry columns), for `catalogue_items` and for statements that
    fold it in (settlement joins it to what it reads anyway, so looking lines up costs no statement)."""
    return (select(_mapping.c.item_code, _entry.c.id.label("entry_id"), _entry.c.national_code,
                   _entry.c.name.label("entry_name"), _entry.c.kind.label("entry_kind"), _entry.c.item_class,
                   _entry.c.b_self_first_bp, _entry.c.price_cap_fen)
            .select_from(_mapping.join(_entry, _entry.c.national_code == _mapping.c.national_code))
            .where(_mapping.c.institution_id == institution_id, _mapping.c.status == MappingStatus.APPROVED.value,
                   _mapping.c.item_code.in_(item_codes), in_force(service_date)))


def item_of(row) -> CatalogueItem:
    """A row of `items_query` as the value settlement uses."""
    return CatalogueItem(entry_id=row.entry_id, national_code=row.national_code, name=row.entry_name,
                         kind=ItemKind(row.entry_kind), item_class=ItemClass(row.item_class),
                         b_self_first_bp=row.b_self_first_bp, price_cap_fen=row.price_cap_fen)


def catalogue_items(session: Session, *, institution_id: uuid.UUID, item_codes: Sequence[str],
                    service_date: date) -> dict[str, CatalogueItem]:
    """Item code -> the catalogue entry in force on `service_date` through the code's approved mapping.
    A code without an approved mapping, or whose national code has no entry in force that day, is absent."""
    codes = sorted(set(item_codes))
    if not codes:
        return {}
    rows = session.connection().execute(items_query(institution_id, codes, service_date)).all()
    return {row.item_code: item_of(row) for row in rows}
