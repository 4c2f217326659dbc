"""POST /hsa/v1: authenticate the partner, check the envelope, answer a retried msgid with its first
reply, run the transaction, log request and reply, count it. Every answer is a JSON reply; a failure is
infcode -1 with a Chinese err_msg naming the field, never a stack trace and never an HTTP 500."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.clock import CHINA
from backend.domain.errors import N_, DomainError, ErrorCode
from backend.i18n import error_message
from backend.i18n import gettext as translate
from backend.observability import metrics
from backend.principals import Actor, Channel, PrincipalKind
from backend.services.hsa import messages, visits
from web.hsa import envelope, mapping, reconciliation, transactions
from web.hsa.transactions import Answer, Call
from web.hsa.wire import Refused, dumps, parse
from web.security import client_address, principal_from_bearer, retry_after

log = logging.getLogger(__name__)

PATH = "/hsa/v1"
LOCALE = "zh_CN"  # err_msg is Chinese, whatever the caller's Accept-Language
JSON = "application/json; charset=utf-8"

NO_KEY = N_("Send the partner's API key: Authorization: Bearer yb_…")
BAD_KEY = N_("This API key opens nothing (unknown, revoked, expired, or its partner is disabled).")
UNSUPPORTED = N_("Transaction not supported.")  # zh_CN: 不支持的交易, the platform's own words
MSGID_REUSED = N_("This msgid was already used for a different message; send a new msgid.")
FAILED = N_("The service could not complete this message; nothing was written. Try again, or tell the service's operators.")
KNOWN = frozenset({*transactions.HANDLERS, *transactions.ASYNC_HANDLERS, *reconciliation.HANDLERS})


def _err_msg(field: str, message: str, **params: Any) -> str:
    return f"{field}：{translate(LOCALE, message, **params)}"


def _refusal(error: Exception, lines_node: str) -> str:
    if isinstance(error, Refused):
        return _err_msg(error.field, error.message, **error.params)
    assert isinstance(error, DomainError)
    return f"{mapping.error_field(error, lines_node)}：{error_message(LOCALE, error)}"


def _reply(received_at: datetime, area: str | None, infcode: int, output: dict[str, Any] | None,
           err_msg: str | None, now: datetime) -> str:
    at = received_at.astimezone(CHINA)
    body: dict[str, Any] = {
        "infcode": infcode,
        "inf_refmsgid": f"{area or '000000'}{at:%Y%m%d%H%M%S}{secrets.randbelow(10**10):010d}",
        "refmsg_time": f"{at:%Y%m%d%H%M%S}{at.microsecond // 1000:03d}",
        "respond_time": f"{now.astimezone(CHINA):%Y%m%d%H%M%S}{now.microsecond // 1000:03d}",
    }
    if err_msg is not None:
        body["err_msg"] = err_msg
    body["output"] = output if output is not None else {}
    return dumps(body)


class _Exchange:
    """One request's facts as they become known, for the reply and the log."""

    def __init__(self, request: Request, body: bytes) -> None:
        self.rt = request.app.state.rt
        self.received_at = self.rt.clock.now()
        self.digest = hashlib.sha256(body).hexdigest()
        self.partner_id = None
        self.data: dict[str, Any] | None = None
        self.envelope: envelope.Envelope | None = None
        self.claimed = ""
        self._received: messages.Received | None = None

    def received(self) -> messages.Received:
        if self._received is None:
            self._received = self._receive()
        return self._received

    def _receive(self) -> messages.Received:
        data = self.data or {}
        masked = json.dumps(mapping.masked(data), ensure_ascii=False)[:20000] if self.data is not None else ""
        return messages.Received(self.partner_id, str(data.get("msgid") or "")[:30], str(data.get("infno") or "")[:6],
                                 str(data.get("opter") or "")[:30], self.digest, masked)

    def infno_label(self) -> str:
        infno = str((self.data or {}).get("infno") or "")
        return infno if infno in KNOWN else "other"

    def claim(self, session, output: dict[str, Any], settlement_id=None) -> None:
        """Keep the success reply inside a money service's transaction (see `transactions.Call.claim`)."""
        self.claimed = self.reply(0, output)
        messages.claim_in(session, self.rt, self.received(), messages.Logged(0, None, self.claimed, settlement_id))

    def reply(self, infcode: int, output: dict[str, Any] | None = None, err_msg: str | None = None) -> str:
        area = self.envelope.mdtrtarea_admvs if self.envelope else None
        return _reply(self.received_at, area, infcode, output, err_msg, self.rt.clock.now())


def _respond(text: str, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(text.encode("utf-8"), status_code=status_code, media_type=JSON, headers=headers)


async def endpoint(request: Request) -> Response:
    body = await request.body()
    exchange = _Exchange(request, body)
    rt = exchange.rt
    try:
        principal = await _partner(request)
        exchange.partner_id = principal.id
        exchange.data = parse(body)
        window = timedelta(seconds=rt.settings.hsa_inf_time_window_seconds)
        env = envelope.envelope(exchange.data, exchange.received_at, window)
        exchange.envelope = env
    except _Throttled as throttled:
        text = exchange.reply(-1, err_msg=_err_msg("Authorization", throttled.message))
        await run_in_threadpool(_log, exchange, text, -1, False)
        return _respond(text, 429, throttled.headers)
    except Refused as refused:
        text = exchange.reply(-1, err_msg=_refusal(refused, "feedetail"))
        await run_in_threadpool(_log, exchange, text, -1, False)
        return _respond(text)
    try:
        text = await _transaction(request, exchange, Actor(principal, Channel.HSA), env)
    except Exception:  # a bug: the reply says so plainly, the log has the trace
        log.exception("HSA %s failed", env.infno)
        text = exchange.reply(-1, err_msg=_err_msg("infno", FAILED))
        metrics.hsa_transaction(exchange.infno_label(), "refused")
    return _respond(text)


class _Throttled(Exception):
    def __init__(self, message: str, headers: dict[str, str]) -> None:
        super().__init__(message)
        self.message, self.headers = message, headers


async def _partner(request: Request):
    state = request.app.state
    try:
        principal = await principal_from_bearer(state.rt, state.signer, request.headers.get("authorization"),
                                                client_address(request))
    except DomainError as refused:
        if refused.code is ErrorCode.TOO_MANY_ATTEMPTS:
            raise _Throttled(error_message(LOCALE, refused), retry_after(refused)) from None
        raise Refused("Authorization", BAD_KEY) from None
    if principal.kind is not PrincipalKind.PARTNER:
        raise Refused("Authorization", NO_KEY)
    return principal


def _log(exchange: _Exchange, text: str, infcode: int, keep: bool, settlement_id=None,
         err_msg: str | None = None) -> messages.Kept | None:
    return messages.log(exchange.rt, exchange.received(), messages.Logged(infcode, err_msg, text, settlement_id),
                        keep=keep)


def _first_or(kept: messages.Kept | None, exchange: _Exchange, text: str) -> str:
    """After logging a reply that lost the race for its msgid: the first reply, or a refusal when that one
    answered a different body."""
    if kept is None:  # no first reply to send (pruned meanwhile): say so rather than send nothing
        return text or exchange.reply(-1, err_msg=_err_msg("msgid", FAILED))
    if kept.digest == exchange.digest:
        metrics.hsa_transaction(exchange.infno_label(), "replayed")
        return kept.reply
    return exchange.reply(-1, err_msg=_err_msg("msgid", MSGID_REUSED))


async def _transaction(request: Request, exchange: _Exchange, actor: Actor, env: envelope.Envelope) -> str:
    """A transaction that runs in a worker thread (all but 1101) takes one hop there, the first read included."""
    call = Call(exchange.rt, actor, env, request, claim=exchange.claim,
                first_read_skipped=env.infno in transactions.SETTLING_INFNOS)
    lines_node = "drugdetail" if env.infno in ("2101", "2102") else "feedetail"
    if env.infno not in transactions.ASYNC_HANDLERS:
        return await run_in_threadpool(_arrive_and_run, exchange, call, lines_node)
    answered = await run_in_threadpool(_arrived, exchange, call)
    if answered is not None:
        return answered
    try:
        answer = await transactions.ASYNC_HANDLERS[env.infno](call)
    except (Refused, DomainError) as error:
        return await run_in_threadpool(_refused, exchange, error, lines_node)
    return await run_in_threadpool(_answered, exchange, answer)


def _arrive_and_run(exchange: _Exchange, call: Call, lines_node: str) -> str:
    if call.first_read_skipped:
        exchange.received()  # masked now, not inside the settlement's transaction
        return _run(exchange, call, lines_node)
    return _arrived(exchange, call) or _run(exchange, call, lines_node)


def _arrived(exchange: _Exchange, call: Call) -> str | None:
    """The institution code and a retried msgid, from one read: the answer already, or None to go on."""
    env = call.envelope
    label = exchange.infno_label()
    code, kept = messages.arrival(exchange.rt, call.partner_id, env.msgid)
    refusal = None
    if code is None:
        refusal = Refused("fixmedins_code", envelope.NO_CODE)
    elif env.fixmedins_code != code:
        refusal = Refused("fixmedins_code", envelope.NOT_YOURS)
    elif label == "other":
        refusal = Refused("infno", UNSUPPORTED)
    if refusal is not None:
        text = exchange.reply(-1, err_msg=_refusal(refusal, "feedetail"))
        _log(exchange, text, -1, False)
        metrics.hsa_transaction(label, "refused")
        return text
    if kept is not None:  # a retry: the first reply again, nothing written again
        if kept.digest == exchange.digest:
            _log(exchange, kept.reply, 0, False)
            metrics.hsa_transaction(label, "replayed")
            return kept.reply
        text = exchange.reply(-1, err_msg=_err_msg("msgid", MSGID_REUSED))
        _log(exchange, text, -1, False)
        metrics.hsa_transaction(label, "refused")
        return text
    exchange.received()  # masked now, not inside a settlement's transaction
    return None


def _handler(infno: str):
    return transactions.HANDLERS.get(infno) or reconciliation.HANDLERS[infno]


def _run(exchange: _Exchange, call: Call, lines_node: str) -> str:
    env = call.envelope
    try:
        if env.sign_no and env.infno in transactions.SETTLEMENT_INFNOS:
            visits.require_signed_in(exchange.rt, call.partner_id, env.sign_no)
        answer = _handler(env.infno)(call)
        if answer.claimed:
            metrics.hsa_transaction(exchange.infno_label(), "ok")
            return exchange.claimed
        if answer.replayed:  # the money service's own idempotency: its first request's reply was kept with it
            return _repeat(exchange, call)
        if answer.write is None:
            return _answered(exchange, answer)
        work = answer.write

        def written(session) -> messages.Logged:
            text = exchange.reply(0, work(session))
            return messages.Logged(0, None, text)

        done = messages.once(exchange.rt, exchange.received(), written)
    except transactions.EnvelopeRefused as refused:
        text = exchange.reply(-1, err_msg=_refusal(refused, lines_node))
        _log(exchange, text, -1, False)
        metrics.hsa_transaction(exchange.infno_label(), "refused")
        return text
    except (Refused, DomainError) as error:
        return _refused(exchange, error, lines_node)
    except messages.MsgidTaken:  # the msgid has a kept reply; this one's writes rolled back
        return _repeat(exchange, call)
    if isinstance(done, messages.Kept):  # a concurrent duplicate claimed the msgid first
        return _first_or(done, exchange, "")
    metrics.hsa_transaction(exchange.infno_label(), "ok")
    return done.reply


def _repeat(exchange: _Exchange, call: Call) -> str:
    """A message whose msgid has a kept reply, found by the money service: that reply (or a refusal for
    another body), and a log row for this repeat."""
    text = _first_or(messages.kept(exchange.rt, call.partner_id, call.envelope.msgid), exchange, "")
    _log(exchange, text, 0 if '"infcode":0' in text[:20] else -1, False)
    return text


def _answered(exchange: _Exchange, answer: Answer) -> str:
    text = exchange.reply(0, answer.output)
    first = _log(exchange, text, 0, True, answer.settlement_id)
    if first is None:
        metrics.hsa_transaction(exchange.infno_label(), "ok")
    return _first_or(first, exchange, text)


def _refused(exchange: _Exchange, error: Exception, lines_node: str) -> str:
    err_msg = _refusal(error, lines_node)
    text = exchange.reply(-1, err_msg=err_msg)
    first = _log(exchange, text, -1, True, err_msg=err_msg)
    if first is None:
        metrics.hsa_transaction(exchange.infno_label(), "refused")
    return _first_or(first, exchange, text)


routes = [Route(PATH, endpoint, methods=["POST"])]
