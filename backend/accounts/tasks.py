"""Celery tasks of the accounts: the beat job that ends connect attempts nobody scanned."""

from __future__ import annotations

from celery import shared_task

from backend.accounts.services import connects


@shared_task(name="accounts_expire_stale_qr")
def accounts_expire_stale_qr() -> list[str]:
    return connects.accounts_expire_stale_qr()
