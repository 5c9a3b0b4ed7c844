from django.db import migrations

# The site search moved to the search app (search.SearchDocument, search 0001): the model
# leaves this app's state only; its table, icmd_searchdocument, stays with every row.


class Migration(migrations.Migration):
    dependencies = [
        ("icmd", "0005_pages_per_language"),
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SearchDocument")],
            database_operations=[],
        ),
    ]
