"""Template filters of the settings pages."""

import datetime as dt

from django import template
from django.utils import dateformat

from backend.accounts.phone_numbers import phone_number_display
from backend.web.pages import STATUS_LABELS

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    """E.164 digits for people, as the API's phone_number_display: "5511999990000" -> "+55 11 99999-0000"."""
    return phone_number_display(value)


@register.filter
def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@register.filter
def when(value: str | None) -> str:
    """An ISO time from the API for people ("25 Nov 2026, 15:40:29 UTC"); the page's JS then shows it in
    the browser's time zone."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return dateformat.format(moment.astimezone(dt.UTC), "j M Y, H:i:s") + " UTC"
