"""The webhook inbox, moved here from the accounts app: the table exists already (accounts 0005 renamed it), so
this takes the model into the state only."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("accounts", "0005_tables_of_the_fleet_and_the_inbox")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WebhookEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("event_id", models.CharField(max_length=128, unique=True)),
                        ("type", models.CharField(max_length=64)),
                        ("session_id", models.CharField(blank=True, default="", max_length=128)),
                        ("workspace_id", models.CharField(blank=True, default="", max_length=128)),
                        ("worker_id", models.CharField(max_length=128)),
                        ("epoch", models.BigIntegerField(default=0)),
                        ("sequence", models.BigIntegerField()),
                        ("occurred_at", models.DateTimeField()),
                        ("payload", models.JSONField()),
                        ("received_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("applied_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "outcome",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("applied", "Applied"),
                                    ("stale", "Stale"),
                                    ("stale_epoch", "Stale Epoch"),
                                    ("ignored", "Ignored"),
                                    ("unknown_session", "Unknown Session"),
                                ],
                                default="",
                                max_length=16,
                            ),
                        ),
                        ("detail", models.CharField(blank=True, default="", max_length=256)),
                    ],
                    options={
                        "indexes": [models.Index(fields=["session_id", "received_at"], name="event_session_received")],
                    },
                ),
            ],
        ),
    ]
