"""Phone numbers as the service keeps and looks them up: digits only, without separators or +86.

A roster may carry `+86 139-0531-9993` or `0531 8600 1234`; staff search for `13905319993`. Both the
import and the search pass what they are given through `normalize_phone`, so the two agree.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-()（）]+")
_MOBILE = re.compile(r"1[0-9]{10}")
_INTERNATIONAL = ("+86", "0086")  # China's country code as written before a number


def normalize_phone(raw: str) -> str:
    """`raw` without spaces, dashes and brackets, and without China's country code: a mobile number
    as its 11 digits, a landline with its domestic trunk 0 (`+86 531 8600 1234` -> `053186001234`).
    Anything else comes back only without its separators, for the caller to judge."""
    text = _SEPARATORS.sub("", raw)
    for prefix in _INTERNATIONAL:
        if text.startswith(prefix) and text[len(prefix):].isdigit():
            national = text[len(prefix):]
            return national if _MOBILE.fullmatch(national) or national.startswith("0") else "0" + national
    return text
