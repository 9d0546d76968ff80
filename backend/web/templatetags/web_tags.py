"""Template filters of the settings pages."""

import datetime as dt

from django import template
from django.utils import dateformat

from backend.web.pages import STATUS_LABELS
from backend.web.phone import format_phone

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    """E.164 digits for people: "6281234567890" -> "+62 812-3456-7890"."""
    return format_phone(value)


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
