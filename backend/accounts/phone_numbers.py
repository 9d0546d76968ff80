"""Phone numbers for people: the international format of the number's own country, by ``phonenumbers`` (Google's
libphonenumber): "5511999990000" -> "+55 11 99999-0000", "6281234567890" -> "+62 812-3456-7890".

The API gives it beside the number (``phone_number_display``), so the page shows what the server formatted and
keeps no rules of its own.
"""

from __future__ import annotations

import phonenumbers


def phone_number_display(digits: str | None) -> str:
    """E.164 digits without "+" for people; "+" and the digits when no country's rules know the number."""
    if not digits:
        return ""
    try:
        number = phonenumbers.parse(f"+{digits}")
    except phonenumbers.NumberParseException:
        return f"+{digits}"
    if not phonenumbers.is_possible_number(number):
        return f"+{digits}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
