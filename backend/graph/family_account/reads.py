"""What the family-account package reads: e-vouchers, bindings by id, the live bindings each person
holds or is the subject of, a presenter's own code; how the viewer's rows prime them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import Session, select

from backend.domain.bindings import LIVE
from backend.graph.core.loaders import Batched, by_id
from backend.storage.models import Binding, EVoucher, PresentedCode, Settlement


def vouchers(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, EVoucher]:
    rows = s.exec(select(EVoucher).where(EVoucher.person_id.in_(person_ids))).all()
    return {row.person_id: row for row in rows}


def _bindings_by(s: Session, column, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Binding]]:
    rows = s.exec(select(Binding).where(column.in_(person_ids), Binding.status.in_(LIVE))
                  .order_by(Binding.requested_at, Binding.id)).all()
    out: dict[uuid.UUID, list[Binding]] = defaultdict(list)
    for row in rows:
        out[getattr(row, column.key)].append(row)
    return out


def bindings_held(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Binding]]:
    """Pending and active bindings these people hold."""
    return _bindings_by(s, Binding.holder_id, person_ids)


def bindings_of_subject(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Binding]]:
    """Pending and active bindings over these people."""
    return _bindings_by(s, Binding.subject_id, person_ids)


def code_for_presenter(s: Session, presenter_id: uuid.UUID, digest: str):
    """A presenter's own code and the settlement made with it, if any."""
    code = s.exec(select(PresentedCode).where(PresentedCode.code_sha256 == digest,
                                              PresentedCode.presenter_id == presenter_id)).first()
    if code is None:
        return None, None
    return code, s.exec(select(Settlement).where(Settlement.code_id == code.id)).first()


LOADERS = {
    "voucher": Batched(vouchers),
    "binding": Batched(by_id(Binding)),
    "bindings_held": Batched(bindings_held, default=list),
    "bindings_of_subject": Batched(bindings_of_subject, default=list),
}


def prime(loaders, rows) -> None:
    me = rows.person.id
    loaders.bindings_held.prime(me, [b for b in rows.bindings if b.holder_id == me])
    loaders.bindings_of_subject.prime(me, [b for b in rows.bindings if b.subject_id == me])
    for binding in rows.bindings:
        loaders.binding.prime(binding.id, binding)
