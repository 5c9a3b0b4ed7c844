"""Every rule the database keeps that staff can break from the admin comes back as a
message on the form, in words: never a server error, never a constraint's name."""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db.models import CheckConstraint, UniqueConstraint

from common.admin import ConstrainedInlineFormSet, conditional_unique_constraints
from forums.models import Forum, Post, Topic
from network.models import Member
from tests.factories import MemberFactory
from tests.forms import form_values

pytestmark = pytest.mark.django_db


def portal_admins():
    """The admin classes of the portal's own models (not those of installed libraries)."""
    ours = str(settings.BASE_DIR / ".venv")
    for model, model_admin in admin.site._registry.items():
        path = apps.get_app_config(model._meta.app_label).path
        if path.startswith(str(settings.BASE_DIR)) and not path.startswith(ours):
            yield model, model_admin


def admin_models():
    """The portal's models staff reach in the admin: registered ones and their inlines'."""
    for model, model_admin in portal_admins():
        yield model
        for inline in model_admin.inlines:
            yield inline.model


def unnamed_rules(model):
    """The constraints of ``model`` whose default message is "Constraint “name” is
    violated": check constraints, and unique ones with a condition or an expression
    (a plain unique one says which fields, in words)."""
    for constraint in model._meta.constraints:
        if isinstance(constraint, CheckConstraint) or (
            isinstance(constraint, UniqueConstraint)
            and (constraint.condition is not None or constraint.expressions)
        ):
            yield constraint


def test_every_rule_staff_can_break_in_the_admin_has_a_message_in_words():
    without_message = [
        f"{model.__name__}.{constraint.name}"
        for model in set(admin_models())
        for constraint in unnamed_rules(model)
        if constraint.violation_error_message == constraint.default_violation_error_message
    ]
    assert without_message == []


def test_inline_rows_are_checked_together_against_conditional_unique_constraints():
    """Django checks each inline row alone against such a constraint ("one lead per
    project"): two new rows breaking it together would reach the database."""
    inlines = [
        inline
        for _model, model_admin in portal_admins()
        for inline in model_admin.inlines
        if conditional_unique_constraints(inline.model)
    ]
    assert inlines
    for inline in inlines:
        assert issubclass(inline.formset, ConstrainedInlineFormSet), inline


def refused_in_words(response, constraint_name):
    """The form came back with its errors, none of them the constraint's name."""
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="errornote"' in page
    assert constraint_name not in page
    return response.context["adminform"].form.errors


@pytest.fixture
def topic(db):
    author = MemberFactory()
    forum = Forum.objects.create(name="Diaspora", slug="diaspora")
    topic = Topic.objects.create(forum=forum, title="Transferts", slug="transferts", author=author)
    Post.objects.create(topic=topic, author=author, body="Premier message.")
    return topic


def test_an_ediscussion_without_dates_is_refused(staff_client, topic):
    url = f"/admin/forums/topic/{topic.pk}/change/"
    data = form_values(staff_client.get(url), "topic_form")
    data["kind"] = "ediscussion"

    response = staff_client.post(url, data)

    errors = refused_in_words(response, "ediscussion_has_dates")
    assert errors
    topic.refresh_from_db()
    assert topic.kind == "discussion"


@pytest.mark.parametrize("url", ["/admin/network/member/add/", "change"])
def test_an_email_address_of_another_member_in_other_capitals_is_refused(staff_client, url):
    MemberFactory(email="ana@example.org")
    someone = MemberFactory(email="someone@example.org")
    if url == "change":
        url = f"/admin/network/member/{someone.pk}/change/"
    data = form_values(staff_client.get(url), "member_form")
    password = "Une-phrase-de-passe-2025"
    data.update(email="Ana@Example.ORG", name="Ana", password1=password, password2=password)

    response = staff_client.post(url, data)

    errors = refused_in_words(response, "member_email_unique_ci")
    assert list(errors) == ["email"]
    assert re.search(r"existe déjà|already exists", errors["email"][0])
    assert Member.objects.filter(email__iexact="ana@example.org").count() == 1
    someone.refresh_from_db()
    assert someone.email == "someone@example.org"
