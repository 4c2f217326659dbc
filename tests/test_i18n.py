"""Every user-facing string has its Simplified Chinese translation."""

import io

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from backend.config import PROJECT_ROOT
from backend.i18n import LOCALE_DIR, gettext, negotiate


def extracted_ids() -> set[str]:
    method_map = [("backend/**.py", "python"), ("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    options = {"web/templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}
    ids = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        PROJECT_ROOT, method_map, options, keywords={"_": None, "N_": None, "gettext": None}
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_message_has_a_zh_cn_translation():
    with open(LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(io.BufferedReader(f), locale="zh_CN")
    translated = {m.id for m in catalog if m.id and m.string}
    missing = sorted(extracted_ids() - translated)
    assert not missing, f"run `make i18n` and translate: {missing}"


def test_placeholders_survive_translation():
    assert gettext("zh_CN", "A name has at most {max} characters.", max=40) == "名称最多40个字。"


def test_language_negotiation_defaults_to_chinese():
    assert negotiate(None) == "zh_CN"
    assert negotiate("en-US,en;q=0.9") == "en"
    assert negotiate("fr-FR") == "zh_CN"
    assert negotiate("en", cookie="zh_CN") == "zh_CN"
