"""Template filters of the settings pages."""

from django import template

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
