from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0001_outbox_and_form_submissions"),
    ]

    operations = [
        migrations.CreateModel(
            name="RateCount",
            fields=[
                ("key", models.CharField(max_length=255, primary_key=True, serialize=False)),
                ("count", models.PositiveIntegerField(default=1)),
                ("window_ends", models.FloatField(db_index=True)),
            ],
        ),
        # Counts need no write-ahead log: after a crash they start again from zero.
        migrations.RunSQL(
            "ALTER TABLE common_ratecount SET UNLOGGED",
            "ALTER TABLE common_ratecount SET LOGGED",
        ),
    ]
