"""The moved models leave the accounts app's state (their tables were renamed by 0005 and are the fleet's and the
inbox's now); the account's worker points at fleet.WorkerNode. Nothing changes in the database but the content
types, which follow their models (so that permissions and admin history stay attached)."""

from django.db import migrations, models

MOVED = {"workernode": "fleet", "sessionauthstate": "fleet", "webhookevent": "inbox"}


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        ContentType.objects.filter(app_label=app_label, model=model).delete()  # made by an earlier partial run
        ContentType.objects.filter(app_label="accounts", model=model).update(app_label=app_label)


def content_types_return(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        ContentType.objects.filter(app_label=app_label, model=model).update(app_label="accounts")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_tables_of_the_fleet_and_the_inbox"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("fleet", "0001_initial"),
        ("inbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="whatsappaccount",
                    name="worker",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=models.deletion.SET_NULL,
                        related_name="accounts",
                        to="fleet.workernode",
                    ),
                ),
                migrations.DeleteModel(name="SessionAuthState"),
                migrations.DeleteModel(name="WebhookEvent"),
                migrations.DeleteModel(name="WorkerNode"),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_return),
    ]
