"""The session workers and their auth states move to the fleet part, the webhook inbox to the inbox part
(docs/architecture.md "The backend's four parts"): their tables take those parts' names, rows untouched. The
models themselves change app in the state only (fleet 0001, inbox 0001, then accounts 0006)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_leases_and_auth_states")]

    operations = [
        migrations.AlterModelTable(name="workernode", table="fleet_workernode"),
        migrations.AlterModelTable(name="sessionauthstate", table="fleet_sessionauthstate"),
        migrations.AlterModelTable(name="webhookevent", table="inbox_webhookevent"),
    ]
