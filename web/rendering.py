"""Jinja2 templates rendered in the caller's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import HTMLResponse

from backend.i18n import LOCALES, gettext, negotiate, ngettext, number
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


@pass_context
def _number(context: Context, value: int) -> str:
    return number(context["locale"], value)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int, **params: Any) -> str:
    return ngettext(context["locale"], singular, plural, count, **params)


# Counts in templates: `{{ n|number }}`, or `{{ ngettext("{count} row", "{count} rows", n) }}` for words.
env.filters["number"] = _number
env.globals["ngettext"] = _ngettext


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
        "elderly": elderly_mode(request),
        **values,
    }
    return HTMLResponse(env.get_template(template).render(context), status_code=status_code)
