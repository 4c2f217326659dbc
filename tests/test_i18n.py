"""Every user-facing string has its Simplified Chinese translation; counts are grouped and take their plural form."""

import io
import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from backend.config import PROJECT_ROOT
from backend.domain.errors import DomainError, ErrorCode
from backend.i18n import LOCALE_DIR, error_message, gettext, negotiate, ngettext, number
from web.rendering import TEMPLATES, env

# The extraction keywords of `make i18n` (babel's defaults, which include ngettext, and the project's own).
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "Plural": (1, 2)}


def extracted_ids() -> set[tuple[str, ...]]:
    """Each message as its id, or (singular, plural) for one with plural forms."""
    method_map = [("backend/**.py", "python"), ("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    options = {"web/templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}
    ids = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(PROJECT_ROOT, method_map, options, keywords=KEYWORDS):
        ids.add((message,) if isinstance(message, str) else tuple(message))
    return ids


def test_every_message_has_a_zh_cn_translation():
    with open(LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(io.BufferedReader(f), locale="zh_CN")
    translated = {(m.id,) if isinstance(m.id, str) else tuple(m.id) for m in catalog
                  if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)}
    missing = sorted(extracted_ids() - translated)
    assert not missing, f"run `make i18n` and translate (every plural form): {missing}"


def test_numbers_are_grouped_by_thousands_in_both_languages():
    assert number("zh_CN", 100000) == number("en", 100000) == "100,000"
    assert number("en", 999) == "999" and number("zh_CN", 1234567) == "1,234,567"


def test_counts_choose_their_plural_form_and_are_grouped():
    assert ngettext("en", "{count} problem", "{count} problems", 1) == "1 problem"
    assert ngettext("en", "{count} problem", "{count} problems", 0) == "0 problems"
    assert ngettext("en", "{count} problem", "{count} problems", 100000) == "100,000 problems"
    assert ngettext("zh_CN", "Checked {done} / {count} row.", "Checked {done} / {count} rows.", 100000,
                    done="40,000") == "已校验 40,000 / 100,000 行。"
    assert ngettext("en", "Checked {done} / {count} row.", "Checked {done} / {count} rows.", 1, done="1") == "Checked 1 / 1 row."


def test_a_refusal_with_a_count_says_it_in_the_right_form():
    assert error_message("en", DomainError(ErrorCode.TOO_MANY_ATTEMPTS, minutes=1)) == \
        "Too many failed attempts. Please try again in 1 minute."
    assert error_message("en", DomainError(ErrorCode.TOO_MANY_ATTEMPTS, minutes=15)).endswith("in 15 minutes.")
    assert error_message("zh_CN", DomainError(ErrorCode.TOO_MANY_ATTEMPTS, minutes=1)) == "失败次数过多，请1分钟后再试。"


def test_templates_have_the_number_filter_and_ngettext_in_the_pages_language():
    template = env.from_string("{{ n|number }} · {{ ngettext('{count} member', '{count} members', n) }}")
    assert template.render(locale="en", n=1) == "1 · 1 member"
    assert template.render(locale="en", n=12345) == "12,345 · 12,345 members"
    assert template.render(locale="zh_CN", n=12345) == "12,345 · 12,345位成员"


# A count printed in a template: a name that says so (…count, …Count but not …Account, totalRows, rowsProcessed,
# quantity, a limit's value) or |length.
_COUNT = re.compile(r"\w*(?<![aA]c)[cC]ount\b|\btotalRows\b|\browsProcessed\b|\|length\b|\.quantity\b|limit\.value\b"
                    r"|\bactive(Grants|Bindings)\b|\bpendingClaims\b")


def _arguments(expression: str) -> list[str]:
    """An expression's parts: split at the commas of its outermost call, string literals left out."""
    expression = re.sub(r'"[^"]*"|\'[^\']*\'', '""', expression)
    parts, depth, start = [], 0, 0
    for i, char in enumerate(expression):
        depth += char in "([" and 1 or char in ")]" and -1 or 0
        if char == "," and depth == 1:
            parts.append(expression[start:i])
            start = i + 1
    return [*parts, expression[start:]]


def test_templates_print_counts_through_the_number_filter_or_ngettext():
    """Grep the templates for counts written raw (no thousands separator, no plural form)."""
    raw = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for attribute, expression in re.findall(r'(value=")?\{\{(.*?)\}\}', path.read_text(), re.S):
            if attribute:  # a form field's value is read back as typed: no grouping there
                continue
            arguments = _arguments(expression)
            if expression.strip().startswith("ngettext("):
                del arguments[2]  # ngettext's count, which it groups itself
            for argument in arguments:
                if _COUNT.search(argument) and "|number" not in argument and "ngettext(" not in argument:
                    raw.append(f"{path.relative_to(TEMPLATES)}: {argument.strip()}")
    assert not raw, "print counts as `|number` or through ngettext:\n" + "\n".join(raw)


def test_placeholders_survive_translation():
    assert gettext("zh_CN", "A name has at most {max} characters.", max=40) == "名称最多40个字。"


def test_language_negotiation_defaults_to_chinese():
    assert negotiate(None) == "zh_CN"
    assert negotiate("en-US,en;q=0.9") == "en"
    assert negotiate("fr-FR") == "zh_CN"
    assert negotiate("en", cookie="zh_CN") == "zh_CN"
