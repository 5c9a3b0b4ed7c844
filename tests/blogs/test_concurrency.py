"""Blogs under concurrent writers, against PostgreSQL: the same blog post form sent twice at
the same moment writes one post (threads as in tests/forums/test_concurrency.py: each its
own connection; the tests are transactional)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from blogs.models import BlogPost
from tests.factories import verified_member
from tests.forums.test_concurrency import twice_at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits live in the cache table, which a transactional test does not empty."""
    cache.clear()
    yield
    cache.clear()


def test_a_blog_post_sent_twice_at_once_is_written_once():
    member = verified_member()
    url = reverse("blogs:blog_new")

    answers = twice_at_once(
        member, url, "blog-post-form", {"title": "Retour de Kayes", "body": "Le voyage."}
    )

    (blog_post,) = BlogPost.objects.filter(author=member)
    assert [answer.status_code for answer in answers] == [302, 302]
    assert {answer.url for answer in answers} == {blog_post.get_absolute_url()}
