"""Phone numbers for people: E.164 digits ("6281234567890") -> "+62 812-3456-7890".

The same rules as static/web/js/phone.js (which keeps the page live); tests/web checks that both agree.
"""

from __future__ import annotations

# ITU country codes of one and two digits; every other code has three.
ONE_DIGIT = frozenset({"1", "7"})
TWO_DIGITS = frozenset(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 "
    "81 82 84 86 90 91 92 93 94 95 98".split()
)


def split_country_code(digits: str) -> tuple[str, str]:
    if digits[:1] in ONE_DIGIT:
        return digits[:1], digits[1:]
    if digits[:2] in TWO_DIGITS:
        return digits[:2], digits[2:]
    return digits[:3], digits[3:]


def _chunks(text: str, sizes: list[int]) -> list[str]:
    out, at = [], 0
    for size in sizes:
        out.append(text[at : at + size])
        at += size
    if at < len(text):
        out.append(text[at:])
    return [chunk for chunk in out if chunk]


def group_national(national: str, country_code: str = "") -> list[str]:
    """Groups of three, ending in a group of four (or two of four): no group of one or two digits."""
    n = len(national)
    if country_code == "62" and n >= 9:  # Indonesia: 812-3456-7890
        return _chunks(national, [3, 4])
    if country_code == "1" and n == 10:  # NANP: 415-555-0100
        return _chunks(national, [3, 3, 4])
    if n <= 5:
        return [national]
    if n % 3 == 0:
        sizes = [3] * (n // 3)
    elif n % 3 == 1:
        sizes = [3] * ((n - 4) // 3) + [4]
    else:
        sizes = [3] * ((n - 8) // 3) + [4, 4]
    return _chunks(national, sizes)


def format_phone(value: str | None) -> str:
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    if len(digits) < 7:
        return f"+{digits}" if digits else ""
    code, national = split_country_code(digits)
    return f"+{code} {'-'.join(group_national(national, code))}"
