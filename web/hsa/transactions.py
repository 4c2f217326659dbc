"""One handler per transaction (infno). Each runs as the calling partner through the graph's operations
(1101) or the same services as the graph (settle, quote, refund, reconciliation), and maps its answer with
`mapping`. A handler returns an `Answer`: the output, or a `write` run in the transaction that claims the
msgid (the gateway's own rows: sign-ins, visits, fee detail)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session
from starlette.requests import Request

from backend.clock import CHINA
from backend.domain.errors import N_, DomainError, ErrorCode
from backend.principals import Actor, Channel, PrincipalKind
from backend.runtime import Runtime
from backend.services.hsa import messages, people, settlements, visits
from backend.services.money import settlement
from web.hsa import envelope, mapping
from web.hsa.envelope import FORMAT, Envelope, node, rows, text
from web.hsa.mapping import Echo, Figures
from web.hsa.wire import Refused
from web.operations import execute


@dataclass(frozen=True)
class Call:
    rt: Runtime
    actor: Actor
    envelope: Envelope
    request: Request
    # Keeps a reply as the msgid's first inside a money service's transaction (the gateway's log row).
    claim: Callable[[Session, dict[str, Any], uuid.UUID | None], None] | None = None
    # 2102 and 2207 skip the gateway's first read: the settlement's transaction checks the institution code
    # and claims the msgid (a retry of a kept reply, success or refusal, finds it there and rolls back).
    first_read_skipped: bool = False

    @property
    def partner_id(self) -> uuid.UUID:
        return self.actor.principal.id

    @property
    def input(self) -> dict[str, Any]:
        return self.envelope.input

    def key(self) -> str:
        """The idempotency key the money services get for this message: a retry settles once."""
        return f"hsa-{self.envelope.infno}-{self.envelope.msgid}"


class EnvelopeRefused(Refused):
    """A refusal of the envelope found inside a transaction: answered, logged, but not kept for the msgid."""


@dataclass(frozen=True)
class Answer:
    output: dict[str, Any] | None = None
    write: Callable[[Session], dict[str, Any]] | None = None
    settlement_id: uuid.UUID | None = None
    claimed: bool = False  # the reply was kept in the handler's own transaction (`Call.claim`)
    replayed: bool = False  # the money service answered an earlier request with this msgid: send its reply


Handler = Callable[[Call], Answer]
AsyncHandler = Callable[[Call], Awaitable[Answer]]

BAD_TIME = N_("Not in the required format ({format}).")


def _time(data: dict[str, Any], name: str) -> datetime:
    raw = text(data, name, 19)
    try:
        return datetime.strptime(raw, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except ValueError:
        raise Refused(name, FORMAT, format="yyyy-MM-dd HH:mm:ss") from None


# --- 9001 / 9002 ----------------------------------------------------------------------------------

def sign_in(call: Call) -> Answer:
    data = node(call.input, "signIn")
    opter = text(data, "opter_no", 30)

    def write(s: Session) -> dict[str, Any]:
        row = visits.sign_in(s, call.rt, call.partner_id, opter)
        return {"signinoutb": {"sign_time": mapping.wire_time(row.signed_in_at), "sign_no": row.sign_no}}

    return Answer(write=write)


def sign_out(call: Call) -> Answer:
    data = node(call.input, "signOut")
    sign_no = text(data, "sign_no", 30)

    def write(s: Session) -> dict[str, Any]:
        row = visits.sign_out(s, call.rt, call.partner_id, sign_no)
        return {"signoutoutb": {"sign_time": mapping.wire_time(row.signed_out_at)}}

    return Answer(write=write)


# --- 1101 -----------------------------------------------------------------------------------------

async def person_info(call: Call) -> Answer:
    """Through the graph's resolveCode as the partner: the gate decides what it shows (a masked name, no
    ID number, no balance), and the read is audited as code.resolve (channel hsa)."""
    code = mapping.code_of(node(call.input, "data"))
    data = await execute(call.request, call.actor.principal, "hsa/person.graphql", Channel.HSA, "PersonInfo",
                         code=code)
    resolved = data["resolveCode"]
    if resolved["__typename"] == "OperationError":
        raise DomainError(ErrorCode(resolved["code"]), field=resolved.get("field"))
    subject, presenter = resolved["subject"], resolved["presentedBy"]
    insutype = mapping.insutype_of((subject.get("insuranceType") or "").lower())
    return Answer(output={
        "baseinfo": {"psn_no": subject["personNumber"], "psn_cert_type": "", "certno": "",
                     "psn_name": subject["maskedName"]},
        "insuinfo": [{"insutype": insutype, "psn_type": "", "psn_insu_stas": "1" if subject["insuranceActive"] else "0",
                      "insuplc_admdvs": subject.get("regionCode") or ""}] if insutype else [],
        "idetinfo": [],
        # Not in the national output: whose phone showed the code (family account, R11), for the counter.
        "presenter": {"is_subject": presenter["isSubject"], "psn_name": presenter["maskedName"],
                      "relationship": presenter.get("relationshipToSubject")},
    })


# --- 2201 / 2204 ----------------------------------------------------------------------------------

def register(call: Call) -> Answer:
    data = node(call.input, "mdtrtinfo")
    psn_no = text(data, "psn_no", 30)
    med_type = mapping.choice(data, "med_type", mapping.OUTPATIENT_MED_TYPES)
    insutype = mapping.choice(data, "insutype", tuple(mapping.POOLED_FUND))
    begntime = _time(data, "begntime")
    code = mapping.code_of(data)
    if people.person_number_of_code(call.rt, call.partner_id, code) != psn_no:
        raise Refused("psn_no", mapping.NOT_THIS_PERSON)
    visit = visits.NewVisit(psn_no, med_type, insutype, begntime)

    def write(s: Session) -> dict[str, Any]:
        row = visits.register_visit(s, call.rt, call.partner_id, visit)
        return {"data": {"mdtrt_id": row.mdtrt_id, "psn_no": psn_no, "ipt_otp_no": data.get("ipt_otp_no")}}

    return Answer(write=write)


def upload_fees(call: Call) -> Answer:
    details = rows(call.input, "feedetail")
    first = details[0]
    mdtrt_id = text(first, "mdtrt_id", 30, name="feedetail[1].mdtrt_id")
    psn_no = text(first, "psn_no", 30, name="feedetail[1].psn_no")
    chrg_bchno = text(first, "chrg_bchno", 30, required=False, name="feedetail[1].chrg_bchno") or call.envelope.msgid
    for number, row in enumerate(details, start=1):
        for name, expected in (("mdtrt_id", mdtrt_id), ("psn_no", psn_no), ("chrg_bchno", chrg_bchno)):
            if row.get(name, expected if name == "chrg_bchno" else None) != expected:
                raise Refused(f"feedetail[{number}].{name}", mapping.NOT_OFFERED, allowed=expected)
    lines = mapping.bill_lines(details, "feedetail")

    def write(s: Session) -> dict[str, Any]:
        visits.upload_fees(s, call.partner_id, mdtrt_id, psn_no, chrg_bchno, mapping.lines_to_json(lines))
        return {"result": mapping.fee_results(details, lines, chrg_bchno)}

    return Answer(write=write)


# --- settlement: 2206 / 2207, 2101 / 2102 -------------------------------------------------------------

@dataclass(frozen=True)
class Bill:
    code: str
    psn_no: str
    med_type: str
    lines: list
    cash_only: bool
    mdtrt_id: str | None = None
    service_date: Any = None


def _outpatient_bill(call: Call) -> Bill:
    data = node(call.input, "data")
    psn_no = text(data, "psn_no", 30)
    code = mapping.code_of(data)
    med_type = mapping.choice(data, "med_type", mapping.OUTPATIENT_MED_TYPES)
    mapping.choice(data, "psn_setlway", (mapping.PSN_SETLWAY_BY_ITEM,), required=False)
    cash_only = not mapping.ACCT_USED[mapping.choice(data, "acct_used_flag", tuple(mapping.ACCT_USED))]
    mdtrt_id = text(data, "mdtrt_id", 30)
    chrg_bchno = text(data, "chrg_bchno", 30)
    visit = visits.visit_to_settle(call.rt, call.partner_id, mdtrt_id, chrg_bchno)
    if visit.psn_no != psn_no:
        raise Refused("psn_no", mapping.NOT_THIS_PERSON)
    lines = mapping.lines_from_json(visit.fee_lines)
    mapping.check_sum(data, lines)
    return Bill(code, psn_no, med_type, lines, cash_only, mdtrt_id, visit.begntime.astimezone(CHINA).date())


def _pharmacy_bill(call: Call) -> Bill:
    data = node(call.input, "druginfo")
    psn_no = text(data, "psn_no", 30)
    code = mapping.code_of(data)
    med_type = mapping.choice(data, "med_type", (mapping.PHARMACY_MED_TYPE,))
    cash_only = not mapping.ACCT_USED[mapping.choice(data, "acct_used_flag", tuple(mapping.ACCT_USED))]
    lines = mapping.bill_lines(rows(call.input, "drugdetail"), "drugdetail")
    mapping.check_sum(data, lines)
    return Bill(code, psn_no, med_type, lines, cash_only)


def _service_bill(call: Call, bill: Bill) -> settlement.Bill:
    today = call.rt.clock.now().astimezone(CHINA).date()
    return settlement.Bill(bill.code, mapping.VISIT_TYPE[bill.med_type], bill.service_date or today, bill.lines,
                           cash_only=bill.cash_only)


def _echo(call: Call, bill: Bill, insurance_type: str | None, *, settlement_id: uuid.UUID | None = None,
          at: datetime | None = None, balc: int | None = None) -> Echo:
    return Echo(psn_no=bill.psn_no, insutype=mapping.insutype_of(insurance_type), med_type=bill.med_type,
                clr_type=mapping.clr_type(mapping.VISIT_TYPE[bill.med_type]), mdtrt_id=bill.mdtrt_id,
                setl_id=mapping.setl_id(settlement_id) if settlement_id else None, setl_time=at,
                medins_setl_id=call.envelope.msgid if settlement_id else None, balc=balc)


def balance_visible(call: Call) -> bool:
    """setlinfo.balc follows the graph's rule for PersonalAccount.balanceFen in the partner's column: shown
    only where that rule lets every partner see it (today it is denied, so balc is absent)."""
    rule = call.request.app.state.schema.rules.rule_for("PersonalAccount", "balanceFen", PrincipalKind.PARTNER)
    return rule is not None and rule.name in VISIBLE_TO_ALL


VISIBLE_TO_ALL = ("visible", "visible+audited")


def _settled_output(figures: Figures, echo: Echo, lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """setlinfo and setldetail; a quote or a settlement adds detlcutinfo, its lines as the catalogue settled them."""
    output = {"setlinfo": mapping.setlinfo(figures, echo), "setldetail": mapping.setldetail(figures, echo.insutype)}
    if lines is not None:
        output["detlcutinfo"] = lines
    return output


def _quote(call: Call, bill: Bill) -> Answer:
    computed = settlement.quote(call.rt, call.actor, _service_bill(call, bill))
    if people.person_number_of(call.rt, call.partner_id, computed.code.subject_id) != bill.psn_no:
        raise Refused("psn_no", mapping.NOT_THIS_PERSON)
    return Answer(output=_settled_output(Figures.of_split(computed.split),
                                         _echo(call, bill, computed.enrolment.insurance_type),
                                         mapping.line_results(computed.split, bill.lines)))


def _settle(call: Call, bill: Bill) -> Answer:
    """One transaction: the settlement, the check that the code is psn_no's, the visit's link (2207) and the
    reply kept for the msgid (the log row), so a retry finds the reply exactly when the money moved."""
    service_bill = _service_bill(call, bill)
    request = settlement.SettleRequest(service_bill.code, service_bill.visit_type, service_bill.service_date,
                                       service_bill.lines, call.key(), cash_only=bill.cash_only)

    show_balance = balance_visible(call)

    def also(s: Session, settlement_id: uuid.UUID, computed: settlement.Computed) -> None:
        if call.first_read_skipped:  # the institution code, checked here instead of before (one read less)
            code = settlements.institution_code_in(s, call.partner_id)
            if code != call.envelope.fixmedins_code:
                raise EnvelopeRefused("fixmedins_code", envelope.NO_CODE if code is None else envelope.NOT_YOURS)
        if people.person_number_of(call.rt, call.partner_id, computed.code.subject_id) != bill.psn_no:
            raise Refused("psn_no", mapping.NOT_THIS_PERSON)
        if bill.mdtrt_id:
            visits.mark_settled(s, bill.mdtrt_id, settlement_id)
        echo = _echo(call, bill, computed.enrolment.insurance_type, settlement_id=settlement_id, at=call.rt.clock.now(),
                     balc=settlements.balance_in(s, computed.code.subject_id) if show_balance else None)
        call.claim(s, _settled_output(Figures.of_split(computed.split), echo,
                                      mapping.line_results(computed.split, bill.lines)), settlement_id)

    settled = settlement.settle_written(call.rt, call.actor, request, also)
    return Answer(settlement_id=settled.id, claimed=settled.computed is not None, replayed=settled.computed is None)


def pre_settle(call: Call) -> Answer:
    return _quote(call, _outpatient_bill(call))


def settle(call: Call) -> Answer:
    return _settle(call, _outpatient_bill(call))


def pharmacy_pre_settle(call: Call) -> Answer:
    return _quote(call, _pharmacy_bill(call))


def pharmacy_settle(call: Call) -> Answer:
    return _settle(call, _pharmacy_bill(call))


# --- reversals: 2208, 2103, 2601 --------------------------------------------------------------------

def _refund(call: Call, settlement_id: uuid.UUID, psn_no: str | None) -> Answer:
    """Refund every line not yet refunded (the settling partner, within the refund window)."""
    before = settlements.reported(call.rt, call.partner_id, settlement_id)
    if psn_no is not None and people.person_number_of(call.rt, call.partner_id,
                                                      before.settlement.subject_id) != psn_no:
        raise Refused("psn_no", mapping.NOT_THIS_PERSON)
    refund_id = settlement.refund(call.rt, call.actor, settlement.RefundRequest(settlement_id, None, call.key()))
    report = settlements.reported(call.rt, call.partner_id, settlement_id, refund_id)
    figures = Figures.of_sums(report.sums, report.payments).negated()
    visit = visits.visit_of_settlement(call.rt, settlement_id)
    med_type = visit.med_type if visit else mapping.PHARMACY_MED_TYPE
    echo = Echo(psn_no=people.person_number_of(call.rt, call.partner_id, report.settlement.subject_id),
                insutype=mapping.insutype_of(report.insurance_type), med_type=med_type,
                clr_type=mapping.clr_type(mapping.VISIT_TYPE[med_type]),
                mdtrt_id=visit.mdtrt_id if visit else None, setl_id=mapping.setl_id(refund_id),
                setl_time=call.rt.clock.now(), medins_setl_id=call.envelope.msgid)
    return Answer(output=_settled_output(figures, echo))


def reverse_settlement(call: Call) -> Answer:
    data = node(call.input, "data")
    setl_id = mapping.settlement_of(text(data, "setl_id", 30))
    text(data, "mdtrt_id", 30, required=False)
    return _refund(call, setl_id, text(data, "psn_no", 30))


def pharmacy_reverse(call: Call) -> Answer:
    data = node(call.input, "data")
    return _refund(call, mapping.settlement_of(text(data, "setl_id", 30)), text(data, "psn_no", 30))


REVERSIBLE = ("2201", "2204", "2207", "2102")
NOT_REVERSIBLE = N_("Only {infnos} can be reversed here.")
NOT_DONE = N_("No successful message with this msgid from this institution.")


def reverse_message(call: Call) -> Answer:
    """2601: reverse an earlier transaction named by its msgid: a settlement is refunded (2207, 2102), a
    visit cancelled (2201), a fee batch withdrawn (2204)."""
    data = node(call.input, "data")
    omsgid = text(data, "omsgid", 30)
    oinfno = text(data, "oinfno", 6)
    if oinfno not in REVERSIBLE:
        raise Refused("oinfno", NOT_REVERSIBLE, infnos="/".join(REVERSIBLE))
    found = messages.succeeded(call.rt, call.partner_id, omsgid)
    if found is None or found.infno != oinfno:
        raise Refused("omsgid", NOT_DONE)
    psn_no = text(data, "psn_no", 30)
    if found.settlement_id is not None:
        return _refund(call, found.settlement_id, psn_no)
    output = json.loads(found.reply)["output"]
    if oinfno == "2201":
        mdtrt_id = output["data"]["mdtrt_id"]

        def cancel(s: Session) -> dict[str, Any]:
            visits.cancel_visit(s, call.rt, call.partner_id, mdtrt_id)
            return {}
        return Answer(write=cancel)
    chrg_bchno = output["result"][0]["chrg_bchno"]

    def withdraw(s: Session) -> dict[str, Any]:
        visits.remove_fees(s, call.partner_id, chrg_bchno)
        return {}
    return Answer(write=withdraw)


# The transactions the gateway speaks. 3201/3202/9101/9102 are in `reconciliation`.
HANDLERS: dict[str, Handler] = {
    "9001": sign_in, "9002": sign_out,
    "2201": register, "2204": upload_fees, "2206": pre_settle, "2207": settle, "2208": reverse_settlement,
    "2101": pharmacy_pre_settle, "2102": pharmacy_settle, "2103": pharmacy_reverse, "2601": reverse_message,
}
ASYNC_HANDLERS: dict[str, AsyncHandler] = {"1101": person_info}
# Messages that name a settlement: a sign_no they carry must be a live sign-in of this partner.
SETTLEMENT_INFNOS = frozenset({"2206", "2207", "2208", "2101", "2102", "2103", "2601"})
SETTLING_INFNOS = frozenset({"2207", "2102"})  # see Call.first_read_skipped
