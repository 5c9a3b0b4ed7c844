from django.db import migrations, models


def number_existing_versions(apps, schema_editor):
    """A post edited n times is at version n + 1; its kept texts are versions 1 to n, in
    the order they were replaced."""
    Post = apps.get_model("forums", "Post")
    PostRevision = apps.get_model("forums", "PostRevision")
    edited = PostRevision.objects.values_list("post_id", flat=True).distinct()
    for post_id in edited.iterator():
        revisions = PostRevision.objects.filter(post_id=post_id).order_by("edited_at", "pk")
        number = 0
        for number, revision in enumerate(revisions, start=1):
            PostRevision.objects.filter(pk=revision.pk).update(version=number)
        Post.objects.filter(pk=post_id).update(version=number + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0004_news_translations"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="version"),
        ),
        migrations.AddField(
            model_name="postrevision",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="version"),
        ),
        migrations.AddField(
            model_name="blogpost",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="version"),
        ),
        migrations.AlterModelOptions(
            name="postrevision",
            options={
                "ordering": ["-version", "-edited_at"],
                "verbose_name": "post revision",
                "verbose_name_plural": "post revisions",
            },
        ),
        # Only the words of the refusal change: nothing to do in the database.
        migrations.AlterConstraint(
            model_name="topic",
            name="ediscussion_has_dates",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind", "discussion"))
                | models.Q(
                    ("starts_at__isnull", False),
                    ("ends_at__isnull", False),
                    ("ends_at__gt", models.F("starts_at")),
                ),
                name="ediscussion_has_dates",
                violation_error_message=(
                    "An e-discussion needs an opening date and a later closing date."
                ),
            ),
        ),
        migrations.AlterConstraint(
            model_name="flag",
            name="flag_one_open_per_reporter",
            constraint=models.UniqueConstraint(
                condition=models.Q(("resolved_at__isnull", True)),
                fields=("post", "reporter"),
                name="flag_one_open_per_reporter",
                violation_error_message=(
                    "You have already flagged this post: moderators will look at it."
                ),
            ),
        ),
        migrations.RunPython(number_existing_versions, migrations.RunPython.noop),
    ]
