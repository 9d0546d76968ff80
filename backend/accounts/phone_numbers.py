"""Phone numbers for people, both ways, by ``phonenumbers`` (Google's libphonenumber). Shown: the international
format of the number's own country, "5511999990000" -> "+55 11 99999-0000", "6281234567890" -> "+62 812-3456-7890".

The API gives it beside the number (``phone_number_display``), so the page shows what the server formatted and
keeps no rules of its own. Taken: as people write them, with spaces, dashes, brackets and "+" (``phone_number_parse``),
with a message that says what is wrong.
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


class PhoneNumberInvalid(ValueError):
    """What is wrong with a number as a person wrote it, in words for that person."""


_WHY = {
    phonenumbers.ValidationResult.TOO_SHORT: "is too short",
    phonenumbers.ValidationResult.TOO_LONG: "is too long",
    phonenumbers.ValidationResult.INVALID_LENGTH: "has a length no number of that country has",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "starts with a country code that does not exist",
}


_PARSE_WHY = {
    phonenumbers.NumberParseException.TOO_LONG: "is too long for a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "is too short for a phone number",
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "starts with a country code that does not exist",
}


def phone_number_parse(text: str) -> str:
    """A number as people write it ("+55 11 99999-0000", "55 (11) 99999 0000", "+62 812-3456-7890") as E.164 digits
    without "+" ("5511999990000"); PhoneNumberInvalid says what is wrong. The country code is needed: the number
    is read as international whether or not it starts with "+" (a phone links in any country)."""
    cleaned = text.strip() if isinstance(text, str) else ""
    if not cleaned:
        raise PhoneNumberInvalid("Enter the phone number with its country code, for example +62 812 3456 7890.")
    if cleaned.lstrip("(").startswith("0"):
        raise PhoneNumberInvalid(
            f"{cleaned} is written as a local number: write it with its country code instead of the leading 0, "
            "e.g. +62 812 3456 7890."
        )
    try:
        number = phonenumbers.parse(cleaned if cleaned.startswith("+") else f"+{cleaned}")
    except phonenumbers.NumberParseException as exc:
        why = _PARSE_WHY.get(exc.error_type)
        if why is not None:
            raise PhoneNumberInvalid(f"{cleaned} {why}.") from None
        raise PhoneNumberInvalid(
            f"{cleaned!r} is not a phone number: write its digits with the country code first, e.g. +62 812 3456 7890."
        ) from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason not in (phonenumbers.ValidationResult.IS_POSSIBLE, phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        country = phonenumbers.region_code_for_country_code(number.country_code)
        where = f" for +{number.country_code}" + (f" ({country})" if country not in ("ZZ", "001") else "")
        raise PhoneNumberInvalid(f"{cleaned} {_WHY.get(reason, 'is not a possible number')}{where}.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
