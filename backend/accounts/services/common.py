"""What the account and worker services share: their errors, the workspace lock, and the commands to a
session's worker, queued for after the commit."""

from __future__ import annotations

from django.db import connections, transaction
from django.db.models import Model, QuerySet
from django.db.models.sql import UpdateQuery

from backend.accounts.models import WhatsAppAccount, Workspace


class ServiceError(Exception):
    """A request that the account's current state does not allow; ``code`` is for the API's answer."""

    code = "conflict"


class NoWorkerAvailable(ServiceError):
    code = "no_worker"


class AccountStateConflict(ServiceError):
    code = "conflict"


class WorkerUnavailable(ServiceError):
    code = "worker_unavailable"


def account_lock(*, account_id: int, workspace_id: int | None = None) -> tuple[Workspace, WhatsAppAccount]:
    """Lock the account's workspace row, then the account row (in a transaction), and return both.

    The workspace row first: it serializes "is there a primary?" and "who else has this phone number?"
    between sessions of the same workspace. Account rows are locked after it, never before, by every writer
    (services and the webhook inbox), so two of them cannot deadlock.
    """
    if workspace_id is None:
        workspace_id = WhatsAppAccount.objects.values_list("workspace_id", flat=True).get(pk=account_id)
    workspace = Workspace.objects.select_for_update().get(pk=workspace_id)
    account = WhatsAppAccount.objects.select_for_update().get(pk=account_id)
    return workspace, account


def update_returning(matching: QuerySet, **values) -> Model | None:
    """``matching.update(**values)`` in one ``UPDATE ... RETURNING`` statement: the changed row comes back with
    its new values (every column), so it is not read again. None when no row matched. For a queryset that
    names one row at most (a unique column), filtered on the model's own columns.

    The statement is the ORM's own UPDATE (its WHERE and parameters, PostgreSQL and SQLite alike) with a
    RETURNING clause added: Django 5.2's ``QuerySet.update`` answers only how many rows it changed."""
    model, connection = matching.model, connections[matching.db]
    query = matching.query.chain(UpdateQuery)
    query.add_update_values(values)
    statement, params = query.get_compiler(matching.db).as_sql()
    fields = model._meta.concrete_fields
    returning = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"{statement} RETURNING {returning}", params)
        row = cursor.fetchone()
    if row is None:
        return None
    return model.from_db(matching.db, [field.attname for field in fields], _from_db(connection, fields, row))


def _from_db(connection, fields, row) -> list:
    """The row's values as the ORM reads them (SQLite hands datetimes and booleans back raw)."""
    values = []
    for field, value in zip(fields, row, strict=True):
        column = field.get_col(field.model._meta.db_table)
        for convert in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
            value = convert(value, column, connection)
        values.append(value)
    return values


# --- commands to the worker, sent by Celery tasks once the transaction commits ---------------------------


def session_start_after_commit(account: WhatsAppAccount) -> None:
    """Ask the account's worker to run its session under its current lease (the task checks again that it
    should; the worker's next heartbeat answer lists the lease anyway)."""
    from backend.accounts import tasks  # tasks call the services: imported late to break the cycle

    kwargs = {"account_id": account.pk, "session_id": account.session_id, "epoch": account.lease_epoch}
    transaction.on_commit(lambda: tasks.session_start.delay(**kwargs), robust=True)


def session_stop_after_commit(*, worker_id: str | None, session_id: str, epoch: int) -> None:
    """Stop the session of lease ``epoch`` on its worker (its auth is kept there); nothing when no worker was
    assigned. A worker that runs the session under a newer lease refuses it."""
    from backend.accounts import tasks

    if worker_id:
        kwargs = {"worker_id": worker_id, "session_id": session_id, "epoch": epoch}
        transaction.on_commit(lambda: tasks.session_stop.delay(**kwargs), robust=True)


def session_logout_after_commit(*, worker_id: str | None, session_id: str, epoch: int) -> None:
    """Log the session of lease ``epoch`` out on WhatsApp and wipe its auth on its worker; nothing when no
    worker was assigned."""
    from backend.accounts import tasks

    if worker_id:
        kwargs = {"worker_id": worker_id, "session_id": session_id, "epoch": epoch}
        transaction.on_commit(lambda: tasks.session_logout.delay(**kwargs), robust=True)
