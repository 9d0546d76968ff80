"""`python backend/manage.py demo_setup`: the demo login of `make run` (user `demo` in workspace `Demo`).

Idempotent: creates what is missing, resets the password to the given one, prints the login and a token.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token

from backend.accounts.models import Membership, Role, Workspace
from backend.fleet.services.identities import worker_register_as


class Command(BaseCommand):
    help = "Create (or refresh) the demo user `demo`, owner of the workspace `Demo`, and print the login."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo")
        parser.add_argument("--workspace", default="Demo")
        parser.add_argument("--superuser", action="store_true", help="also give the user the admin")
        parser.add_argument(
            "--worker",
            action="append",
            default=[],
            metavar="NAME=URL=CAPACITY=PUBLIC_KEY",
            help="register (or set again) a session worker of the demo: make run's own, on this machine",
        )

    @transaction.atomic
    def handle(
        self, *args, username: str, password: str, workspace: str, superuser: bool, worker: list[str], **options
    ) -> None:
        for spec in worker:
            name, url, capacity, public_key = spec.split("=", 3)
            worker_register_as(name=name, url=url, capacity=int(capacity), public_key=public_key)
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.set_password(password)
        if superuser:
            user.is_staff = user.is_superuser = True
        user.save()
        space = Workspace.objects.filter(name=workspace, memberships__user=user).first()
        if space is None:
            space = Workspace.objects.create(name=workspace)
            Membership.objects.create(user=user, workspace=space, role=Role.OWNER)
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(
            f"login: {username} / {password}  workspace: {space.name} (id {space.pk})  token: {token.key}"
        )
