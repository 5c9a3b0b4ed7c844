"""A deleted account keeps its row (what the member published keeps an author, "Former
member"), but nothing of their name: its address (slug), made from the name, is replaced
by a neutral one, and the old addresses answer 404.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from blogs.models import BlogPost, BlogPostStatus
from network.accounts import delete_account
from network.models import Member, Visibility
from tests.factories import verified_member
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # MemberFactory's


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits are counted in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def test_a_deleted_members_addresses_no_longer_carry_their_name(client):
    member = verified_member(name="Aminata Diallo", visibility=Visibility.EVERYONE)
    post = BlogPost.objects.create(
        author=member,
        title="Retour de Kayes",
        slug="retour-de-kayes",
        body="Le voyage.",
        status=BlogPostStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    old_slug = member.slug
    assert old_slug.startswith("aminata-diallo-")
    old_profile = member.get_absolute_url()
    old_author_page = reverse("blogs:blog_author", kwargs={"slug": old_slug})
    client.force_login(member)

    response = client.post(reverse("network:delete_account"), {"password": PASSWORD})

    assert response.status_code == 200
    member = Member.objects.get(pk=member.pk)
    assert member.slug.startswith("former-member-")
    assert "aminata" not in member.slug and "diallo" not in member.slug
    assert client.get(old_profile).status_code == 404
    assert client.get(old_author_page).status_code == 404
    # What they published stays, signed "Former member", linked to the neutral address.
    page = parse(client.get(post.get_absolute_url()))
    author_page = reverse("blogs:blog_author", kwargs={"slug": member.slug})
    (link,) = find_all(page, "a", href=author_page)
    assert text(link) == tr("Former member")
    assert old_slug not in client.get(post.get_absolute_url()).content.decode()
    assert tr("Former member") in text(find(parse(client.get(author_page)), "h1"))


def test_two_deleted_accounts_get_different_neutral_addresses(client):
    first = verified_member(name="Awa Diallo")
    second = verified_member(name="Awa Diallo")

    delete_account(first)
    delete_account(second)

    slugs = set(Member.objects.values_list("slug", flat=True))
    assert len(slugs) == 2
    assert all(slug.startswith("former-member-") for slug in slugs)
