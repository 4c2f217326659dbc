"""Jinja2 templates rendered in the caller's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from backend.i18n import LOCALES, format_number, gettext, negotiate
from web.labels import china_time
from web.security import csrf_token

TEMPLATES = Path(__file__).parent / "templates"
LANG_COOKIE = "lang"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def request_locale(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"), request.cookies.get(LANG_COOKIE))


def elderly_mode(request: Request) -> bool:
    """Whether the signed-in household member chose elderly mode (适老化)."""
    principal = getattr(request.state, "principal", None)
    return bool(principal and principal.elderly_mode)


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    locale = request_locale(request)

    def _(message: str, **params: Any) -> str:
        return gettext(locale, message, **params)

    context = {
        "request": request,
        "_": _,
        "locale": locale,
        "html_lang": "zh-CN" if locale == "zh_CN" else "en",
        "other_locale": next(code for code in LOCALES if code != locale),
        "csrf_token": csrf_token(request.session),
        "china_time": china_time,
        "number": lambda value: format_number(locale, value),
        "elderly": elderly_mode(request),
        **values,
    }
    return HTMLResponse(env.get_template(template).render(context), status_code=status_code)
