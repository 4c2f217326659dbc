"""The envelope every request carries (HSA_INTERFACE.md, "Envelope"): each field's length and format,
the institution code against the partner's, and inf_time within a window of the service's clock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backend.clock import CHINA
from backend.domain.errors import N_
from web.hsa.wire import CONTROL, Refused

REQUIRED = N_("Required.")
TOO_LONG = N_("At most {max} characters.")
FORMAT = N_("Not in the required format ({format}).")
NOT_YOURS = N_("This is not the institution code of the partner whose API key was sent.")
NO_CODE = N_("This partner has no institution code yet: an administrator sets it on the partners page.")
OUT_OF_WINDOW = N_("Not within {minutes} minutes of the service's clock (China time).")
NOT_OBJECT = N_("Must be a JSON object.")

DIGITS6 = re.compile(r"[0-9]{6}")
MSGID = re.compile(r"[0-9A-Za-z_-]{1,30}")
INFNO = re.compile(r"[0-9]{4}")
INF_TIME = "%Y-%m-%d %H:%M:%S"
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# (field, maximum length, required)
TEXT_FIELDS = (("recer_sys_code", 10, True), ("infver", 6, True), ("opter", 30, True), ("opter_name", 50, True),
               ("fixmedins_code", 30, True), ("fixmedins_name", 200, True), ("sign_no", 30, False),
               ("dev_no", 100, False), ("dev_safe_info", 2000, False), ("cainfo", 1024, False),
               ("signtype", 10, False))


@dataclass(frozen=True)
class Envelope:
    infno: str
    msgid: str
    mdtrtarea_admvs: str
    insuplc_admdvs: str | None
    opter_type: str
    opter: str
    opter_name: str
    inf_time: datetime
    fixmedins_code: str
    sign_no: str | None
    input: dict[str, Any]


def text(data: dict[str, Any], field: str, max_length: int, *, required: bool = True, name: str | None = None) -> str | None:
    """A string field of `data` (numbers are taken as their text), trimmed; None when absent and optional."""
    value = data.get(field)
    label = name or field
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Refused(label, REQUIRED)
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Refused(label, FORMAT, format="text")
    value = str(value).strip()
    if len(value) > max_length:
        raise Refused(label, TOO_LONG, max=max_length)
    if CONTROL_CHARS.search(value):
        raise Refused(label, CONTROL)
    return value


def matching(data: dict[str, Any], field: str, pattern: re.Pattern[str], shown: str, *, required: bool = True,
             name: str | None = None) -> str | None:
    value = text(data, field, 64, required=required, name=name)
    if value is not None and not pattern.fullmatch(value):
        raise Refused(name or field, FORMAT, format=shown)
    return value


def envelope(body: dict[str, Any], now: datetime, window: timedelta) -> Envelope:
    """The envelope's fields, checked in the order a HIS developer reads them; the first bad one is named."""
    infno = matching(body, "infno", INFNO, "4 digits")
    msgid = matching(body, "msgid", MSGID, "1-30 letters or digits")
    area = matching(body, "mdtrtarea_admvs", DIGITS6, "6 digits")
    insured = matching(body, "insuplc_admdvs", DIGITS6, "6 digits", required=False)
    opter_type = matching(body, "opter_type", re.compile(r"[123]"), "1, 2 or 3")
    values = {field: text(body, field, length, required=required) for field, length, required in TEXT_FIELDS}
    raw_time = text(body, "inf_time", 19)
    try:
        inf_time = datetime.strptime(raw_time, INF_TIME).replace(tzinfo=CHINA)
    except ValueError:
        raise Refused("inf_time", FORMAT, format="yyyy-MM-dd HH:mm:ss") from None
    if abs(inf_time - now) > window:
        raise Refused("inf_time", OUT_OF_WINDOW, minutes=int(window.total_seconds() // 60))
    data = body.get("input")
    if not isinstance(data, dict):
        raise Refused("input", NOT_OBJECT if data is not None else REQUIRED)
    return Envelope(infno=infno, msgid=msgid, mdtrtarea_admvs=area, insuplc_admdvs=insured, opter_type=opter_type,
                    opter=values["opter"], opter_name=values["opter_name"], inf_time=inf_time,
                    fixmedins_code=values["fixmedins_code"], sign_no=values["sign_no"], input=data)


def node(data: dict[str, Any], name: str) -> dict[str, Any]:
    """An input node that is an object (`data`, `mdtrtinfo`, `druginfo`, ...)."""
    value = data.get(name)
    if not isinstance(value, dict):
        raise Refused(name, NOT_OBJECT if value is not None else REQUIRED)
    return value


def rows(data: dict[str, Any], name: str, max_rows: int = 500) -> list[dict[str, Any]]:
    """An input node that is a list of objects (`feedetail`, `drugdetail`)."""
    value = data.get(name)
    if not isinstance(value, list) or not value:
        raise Refused(name, REQUIRED)
    if len(value) > max_rows or not all(isinstance(row, dict) for row in value):
        raise Refused(name, FORMAT, format=f"1-{max_rows} objects")
    return value
