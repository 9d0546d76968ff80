from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="whatsappaccount",
            name="sync_percent",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
    ]
