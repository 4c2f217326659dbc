"""The files of 3202: a partner's detail file (9101) and the result files 3202 makes (9102)."""

from __future__ import annotations

import base64
import uuid

from sqlmodel import Session

from backend.clock import CHINA
from backend.domain.errors import DomainError, ErrorCode
from backend.runtime import Runtime
from backend.storage.models import HsaFile


def store(s: Session, rt: Runtime, partner_id: uuid.UUID, kind: str, filename: str, content: str) -> HsaFile:
    now = rt.clock.now()
    number = f"F{now.astimezone(CHINA):%Y%m%d}{base64.b32encode(rt.tokens.token_bytes(10)).decode('ascii')}"
    row = HsaFile(file_qury_no=number, partner_id=partner_id, kind=kind, filename=filename[:200], content=content,
                  created_at=now)
    s.add(row)
    s.flush()
    return row


def own_file(rt: Runtime, partner_id: uuid.UUID, file_qury_no: str, kind: str | None = None) -> HsaFile:
    """The partner's own file (NOT_FOUND for another partner's, or one of another kind)."""
    with rt.db.read() as s:
        row = s.get(HsaFile, file_qury_no)
    if row is None or row.partner_id != partner_id or (kind is not None and row.kind != kind):
        raise DomainError(ErrorCode.NOT_FOUND, field="file_qury_no")
    return row
