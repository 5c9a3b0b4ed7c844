"""Blog posts and subscriptions moved from the forums app to the blogs app without losing a
row: a database as it was before the move (forums 0006, the models in the forums app) is
migrated forward, and what it held is still there, read through the blogs app's models,
with its constraints, its permissions and the unsubscribe links already emailed."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from blogs.models import BlogPost, Subscription
from forums import services
from forums.models import Forum
from tests.factories import verified_member

# A transactional test: migrating backwards and forwards cannot happen inside a transaction
# that is rolled back at the end.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_THE_MOVE = [("forums", "0006_flag_category")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_migrating_forward_keeps_blog_posts_subscriptions_and_their_permissions():
    author = verified_member(name="Awa Autrice", follow_own_topics=False)
    reader = verified_member(name="Binta")
    forum = Forum.objects.create(name="Diaspora", slug="diaspora")
    topic = services.start_topic(author=author, forum=forum, title="Envois", body="Texte.")
    try:
        old = migrate(BEFORE_THE_MOVE)
        OldBlogPost = old.get_model("forums", "BlogPost")
        OldSubscription = old.get_model("forums", "Subscription")
        blog_post = OldBlogPost.objects.create(
            author_id=author.pk,
            title="Retour de Kayes",
            title_fr="Retour de Kayes",
            slug="retour-de-kayes",
            body="Le voyage.",
            body_fr="Le voyage.",
            body_html="<p>Le voyage.</p>",
            body_html_fr="<p>Le voyage.</p>",
            language="fr",
            status="published",
            published_at=timezone.now(),
        )
        follows_topic = OldSubscription.objects.create(member_id=reader.pk, topic_id=topic.pk)
        follows_blog = OldSubscription.objects.create(member_id=reader.pk, blog_author_id=author.pk)
        # The content types as an existing database has them, with their permissions.
        content_type = ContentType.objects.get(app_label="forums", model="blogpost")
        permission = Permission.objects.get(content_type=content_type, codename="change_blogpost")
        token = signing.dumps(
            {"s": follows_topic.pk, "m": reader.pk}, salt="forums.unsubscribe", compress=True
        )
    finally:
        migrate(latest())

    moved = BlogPost.objects.get(pk=blog_post.pk)
    assert (moved.title, moved.author, moved.body) == ("Retour de Kayes", author, "Le voyage.")
    assert set(Subscription.objects.values_list("pk", "member", "topic", "blog_author")) == {
        (follows_topic.pk, reader.pk, topic.pk, None),
        (follows_blog.pk, reader.pk, None, author.pk),
    }
    # The same content type row, now the blogs app's: permissions given on it stay given.
    assert ContentType.objects.get_for_model(BlogPost).pk == content_type.pk
    assert ContentType.objects.get_for_model(Subscription).app_label == "blogs"
    assert Permission.objects.get(pk=permission.pk).content_type.app_label == "blogs"
    left_behind = ContentType.objects.filter(
        app_label="forums", model__in=["blogpost", "subscription"]
    )
    assert not left_behind.exists()
    # The constraints came along with the table.
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(member=reader, topic=topic)
    # The post is read at its address; an unsubscribe link emailed before the move works.
    assert Client().get(moved.get_absolute_url()).status_code == 200
    assert Client().post(f"/fr/unsubscribe/{token}/").status_code == 200
    assert not Subscription.objects.filter(pk=follows_topic.pk).exists()
