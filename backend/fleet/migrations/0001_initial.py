"""The session workers and the sessions' auth states, moved here from the accounts app: the tables exist already
(accounts 0005 renamed them), so this takes the models into the state only."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("accounts", "0005_tables_of_the_fleet_and_the_inbox")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WorkerNode",
                    fields=[
                        ("id", models.CharField(max_length=128, primary_key=True, serialize=False)),
                        ("base_url", models.CharField(max_length=512)),
                        ("capacity", models.PositiveIntegerField(default=0)),
                        ("reported_sessions", models.PositiveIntegerField(default=0)),
                        ("last_heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("is_alive", models.BooleanField(default=True)),
                        ("draining", models.BooleanField(default=False)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                ),
                migrations.CreateModel(
                    name="SessionAuthState",
                    fields=[
                        (
                            "account",
                            models.OneToOneField(
                                on_delete=models.deletion.CASCADE,
                                primary_key=True,
                                related_name="auth_state",
                                serialize=False,
                                to="accounts.whatsappaccount",
                            ),
                        ),
                        ("ciphertext", models.BinaryField()),
                        ("layout", models.CharField(max_length=16)),
                        ("size", models.PositiveIntegerField()),
                        ("sha256", models.CharField(max_length=64)),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("epoch", models.BigIntegerField()),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                ),
            ],
        ),
    ]
