"""3201 totals and 3202 detail reconciliation, with 9101 upload and 9102 download, over the reconciliation
services (R17; backend/services/reconciliation). The file choices (unconfirmed in the sources) are here:
a file travels as base64 in the JSON (`in` for 9101, `file` for 9102); a detail file is CSV, UTF-8 or
GB18030, with a header row naming the HSA columns; a result file is UTF-8 CSV with the HSA columns."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import uuid
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from backend.clock import CHINA
from backend.domain.errors import N_, DomainError
from backend.domain.insurance import CLEARING_TYPE_CODE, INSUTYPE_CODE
from backend.domain.reconciliation import DetailOutcome, DetailResult
from backend.domain.reconciliation import Figures as Totals
from backend.domain.spreadsheet import csv_row
from backend.i18n import gettext as translate
from backend.services.hsa import files, people, settlements
from backend.services.reconciliation import reconcile
from backend.services.reconciliation.detail_file import memo, read_detail_upload
from web.hsa import mapping
from web.hsa.envelope import DIGITS6, FORMAT, matching, node, text
from web.hsa.transactions import Answer, Call
from web.hsa.wire import Refused, Yuan, fen

# The detail file's columns (HSA names) and the reconciliation's names for them.
DETAIL_COLUMNS = {"setl_id": "settlement_id", "mdtrt_id": "visit_id", "psn_no": "person", "medfee_sumamt": "bill_yuan",
                  "fund_pay_sumamt": "fund_yuan", "acct_pay": "account_yuan", "refd_setl_flag": "refunded"}
HSA_COLUMN = {ours: theirs for theirs, ours in DETAIL_COLUMNS.items()}
RESULT_COLUMNS = ("psn_no", "mdtrt_id", "setl_id", "msgid", "stmt_rslt", "refd_setl_flag", "memo", "medfee_sumamt",
                  "fund_pay_sumamt", "acct_pay")
KEEP_RESULTS = timedelta(days=7)  # dld_endtime: a result file can be fetched for a week (our choice)
MAX_FILE_BYTES = 8 * 1024 * 1024

NOT_BASE64 = N_("The file is sent as base64.")
NOT_TEXT = N_("The file is CSV in UTF-8 or GB18030.")
FILE_PROBLEM = N_("Row {row}, column {column}: {problem}")
NOT_THE_FILE = N_("Is not the file's {what} ({value}).")
BALANCED = N_("Balanced.")
NOT_BALANCED = N_("Not balanced. The service: {ours}; the institution: {theirs}.")
FIGURES = N_("{count} settlements, bills {bill}, fund {fund}, personal accounts {account}")


def _date(data: dict[str, Any], name: str) -> date:
    raw = text(data, name, 10)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Refused(name, FORMAT, format="yyyy-MM-dd") from None


def _range_field(error: DomainError) -> DomainError:
    """The reconciliation names its range `first` and `last`; the wire calls them stmt_begndate and stmt_enddate."""
    error.field = {"first": "stmt_begndate", "last": "stmt_enddate"}.get(error.field, error.field)
    return error


def _figures(totals: Totals) -> str:
    return translate("zh_CN", FIGURES, count=totals.count, bill=Yuan(totals.bill_fen).text(),
                   fund=Yuan(totals.fund_fen).text(), account=Yuan(totals.account_fen).text())


def totals(call: Call) -> Answer:
    """3201: one insurance type × clearing type over a past range of China-time days."""
    data = node(call.input, "data")
    insutype = mapping.choice(data, "insutype", tuple(INSUTYPE_CODE.values()))
    clr_type = mapping.choice(data, "clr_type", tuple(CLEARING_TYPE_CODE.values()))
    setl_optins = matching(data, "setl_optins", DIGITS6, "6 digits")
    first, last = _date(data, "stmt_begndate"), _date(data, "stmt_enddate")
    count = text(data, "fixmedins_setl_cnt", 9)
    if not count.isdigit():
        raise Refused("fixmedins_setl_cnt", FORMAT, format="0-999999999")
    theirs = Totals(int(count), fen(data.get("medfee_sumamt"), "medfee_sumamt"),
                    fen(data.get("fund_pay_sumamt"), "fund_pay_sumamt"), fen(data.get("acct_pay"), "acct_pay"))
    include_refunds = text(data, "refd_setl_flag", 1, required=False) != "0"
    try:
        result = reconcile.reconcile_totals(call.rt, call.actor, call.partner_id, first, last, insutype, clr_type,
                                            theirs, include_refunds)
    except DomainError as error:
        raise _range_field(error) from None
    described = translate("zh_CN", BALANCED) if result.balanced else translate(
        "zh_CN", NOT_BALANCED, ours=_figures(result.ours), theirs=_figures(result.theirs))
    return Answer(output={"stmtinfo": {"setl_optins": setl_optins, "stmt_rslt": "0" if result.balanced else "1",
                                       "stmt_rslt_dscr": described}})


def _file_bytes(value: Any) -> bytes:
    if not isinstance(value, str):
        raise Refused("fsUploadIn.in", NOT_BASE64)
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Refused("fsUploadIn.in", NOT_BASE64) from None
    if len(raw) > MAX_FILE_BYTES:
        raise Refused("fsUploadIn.in", FORMAT, format=f"≤ {MAX_FILE_BYTES // 1024 // 1024} MiB")
    return raw


def _as_reconciliation_csv(raw: bytes) -> str:
    """The partner's file with the reconciliation's column names and settlement ids (uuid), as UTF-8 CSV;
    a row it cannot convert is left for the reconciliation's own checks to name by row and column."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Refused("fsUploadIn.in", NOT_TEXT)
    out = io.StringIO()
    writer = csv.writer(out)
    for number, fields in enumerate(csv.reader(io.StringIO(content))):
        if number == 0:
            writer.writerow([DETAIL_COLUMNS.get(f.strip().lower(), f.strip()) for f in fields])
            header = [f.strip().lower() for f in fields]
            continue
        row = list(fields)
        if "setl_id" in header and header.index("setl_id") < len(row):
            at = header.index("setl_id")
            try:
                row[at] = str(mapping.settlement_of(row[at].strip()))
            except Refused:
                pass
        writer.writerow(row)
    return out.getvalue()


def _read(call: Call, content: str):
    try:
        return read_detail_upload(io.BytesIO(content.encode("utf-8")), "utf-8")
    except reconcile.DetailFileInvalid as invalid:
        first = invalid.file_problems[0]
        problem = translate("zh_CN", first.message_id, **first.params)
        raise Refused("fsUploadIn.in", FILE_PROBLEM, row=first.row,
                      column=HSA_COLUMN.get(first.column, first.column or "-"), problem=problem) from None


def upload(call: Call) -> Answer:
    """9101: keep a detail file for 3202; refused at once, by row and column, if it cannot be reconciled."""
    data = node(call.input, "fsUploadIn")
    filename = text(data, "filename", 200)
    code = text(data, "fixmedins_code", 30, required=False, name="fsUploadIn.fixmedins_code")
    if code is not None and code != call.envelope.fixmedins_code:
        raise Refused("fsUploadIn.fixmedins_code", NOT_THE_FILE, what="fixmedins_code", value=call.envelope.fixmedins_code)
    content = _as_reconciliation_csv(_file_bytes(data.get("in")))
    _read(call, content)

    def write(s: Session) -> dict[str, Any]:
        row = files.store(s, call.rt, call.partner_id, "upload", filename, content)
        return {"file_qury_no": row.file_qury_no, "filename": row.filename,
                "dld_endtime": mapping.wire_time(row.created_at + KEEP_RESULTS)}

    return Answer(write=write)


def _result_line(call: Call, result: DetailResult, refs: dict[uuid.UUID, settlements.WireRefs]) -> str:
    side = result.ours or result.theirs
    ref = refs.get(result.settlement_id)
    psn_no = people.person_number_of(call.rt, call.partner_id, ref.subject_id) if ref else (result.person or "")
    mdtrt_id = (ref.mdtrt_id if ref else None) or result.visit_id or ""
    return csv_row((psn_no, mdtrt_id, mapping.setl_id(result.settlement_id), (ref.msgid if ref else None) or "",
                    int(result.outcome), "1" if side.refunded else "0", memo(result), Yuan(side.bill_fen).text(),
                    Yuan(side.fund_fen).text(), Yuan(side.account_fen).text()))


def details(call: Call) -> Answer:
    """3202: reconcile the uploaded file against the institution's settlements in the range; the result
    file (one row per settlement: 0 balanced, 1 only ours, 2 only theirs, 3 both, different) for 9102."""
    data = node(call.input, "data")
    setl_optins = matching(data, "setl_optins", DIGITS6, "6 digits")
    uploaded = files.own_file(call.rt, call.partner_id, text(data, "file_qury_no", 30), "upload")
    first, last = _date(data, "stmt_begndate"), _date(data, "stmt_enddate")
    rows = _read(call, uploaded.content)
    count = text(data, "fixmedins_setl_cnt", 9)
    if count != str(len(rows)):
        raise Refused("fixmedins_setl_cnt", NOT_THE_FILE, what="row count", value=len(rows))
    for field, total in (("medfee_sumamt", sum(r.bill_fen for r in rows)),
                         ("fund_pay_sumamt", sum(r.fund_fen for r in rows))):
        if fen(data.get(field), field) != total:
            raise Refused(field, NOT_THE_FILE, what="total", value=Yuan(total).text())
    try:
        results = reconcile.reconcile_details(call.rt, call.actor, call.partner_id, first, last, rows)
    except DomainError as error:
        raise _range_field(error) from None
    refs = settlements.wire_refs(call.rt, call.partner_id,
                                 [r.settlement_id for r in results if r.outcome is not DetailOutcome.ONLY_THEIRS])
    content = csv_row(RESULT_COLUMNS) + "".join(_result_line(call, r, refs) for r in results)
    at = call.rt.clock.now().astimezone(CHINA)
    name = f"3202_{setl_optins}_{first:%Y%m%d}_{last:%Y%m%d}_{at:%H%M%S}.csv"

    def write(s: Session) -> dict[str, Any]:
        row = files.store(s, call.rt, call.partner_id, "result", name, content)
        return {"fileinfo": {"file_qury_no": row.file_qury_no, "filename": row.filename,
                             "dld_endtime": mapping.wire_time(row.created_at + KEEP_RESULTS)},
                "stmt_rslt_cnt": {str(o.value): sum(1 for r in results if r.outcome is o) for o in DetailOutcome}}

    return Answer(write=write)


def download(call: Call) -> Answer:
    """9102: a file by its file_qury_no (a result of 3202, or the partner's own upload), base64 in the JSON."""
    data = node(call.input, "fsDownloadIn")
    row = files.own_file(call.rt, call.partner_id, text(data, "file_qury_no", 30, name="fsDownloadIn.file_qury_no"))
    if row.kind == "result" and call.rt.clock.now() > row.created_at + KEEP_RESULTS:
        raise Refused("fsDownloadIn.file_qury_no", NOT_THE_FILE, what="dld_endtime",
                      value=mapping.wire_time(row.created_at + KEEP_RESULTS))
    return Answer(output={"filename": row.filename, "content_type": "text/csv; charset=utf-8",
                          "file": base64.b64encode(row.content.encode("utf-8")).decode("ascii")})


HANDLERS = {"3201": totals, "9101": upload, "3202": details, "9102": download}
