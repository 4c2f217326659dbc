"""The insurer's catalogue (医保目录, R18) as settlement sees it. Pure: plain values in and out.

The catalogue's storage, import and the institutions' item mappings (目录对照) live in
`backend/services/catalogue`; settlement asks it, in one statement, for the entry in force on the
service date behind each of an institution's item codes, and gets these values back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class ItemKind(StrEnum):
    DRUG = "drug"              # 药品
    SERVICE = "service"        # 医疗服务项目
    CONSUMABLE = "consumable"  # 医用耗材


class ItemClass(StrEnum):
    A = "A"  # 甲类: covered
    B = "B"  # 乙类: covered after the self-pay-first share
    C = "C"  # 丙类: in the catalogue, but all personal burden


class MappingStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # an approved (or pending) mapping a newer one of the same item code replaced


@dataclass(frozen=True)
class CatalogueItem:
    """The catalogue entry in force on a service date behind one institution item code, through an
    approved mapping. An item code without one is simply absent from the lookup's answer."""

    entry_id: uuid.UUID            # the entry version used; the settlement line records it
    national_code: str             # med_list_codg
    name: str
    kind: ItemKind
    item_class: ItemClass
    b_self_first_bp: int | None    # class B only: the entry's own share, else the region's parameter
    price_cap_fen: int | None      # per unit; the part of a unit price above it is over-limit self-pay
