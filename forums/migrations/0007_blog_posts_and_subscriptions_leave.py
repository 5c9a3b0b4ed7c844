from django.db import migrations

# Blog posts and subscriptions (following) now belong to another app, which takes them
# into its own state over their tables: this app forgets them here, in its state only.
# Their tables, forums_blogpost and forums_subscription, stay with every row.


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0006_flag_category"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="BlogPost"),
                migrations.DeleteModel(name="Subscription"),
            ],
            database_operations=[],
        ),
    ]
