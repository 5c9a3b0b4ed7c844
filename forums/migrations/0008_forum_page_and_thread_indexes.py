from django.db import migrations, models


class Migration(migrations.Migration):
    """Indexes in the order of a forum's page and of a topic's thread, so that a page reads
    its rows from an index range instead of sorting the whole forum or topic."""

    dependencies = [
        ("forums", "0007_blog_posts_and_subscriptions_leave"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="post",
            name="forums_post_topic_i_fcb903_idx",
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["topic", "created", "id"], name="post_thread_order"),
        ),
        migrations.AddIndex(
            model_name="topic",
            index=models.Index(
                fields=["forum", "-is_pinned", "-last_activity", "-id"], name="topic_forum_order"
            ),
        ),
    ]
