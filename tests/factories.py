"""factory_boy factories for test data."""

import datetime
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from django.utils.text import slugify

from learning.models import Choice, Course, Lesson, Module, Question, QuestionKind, Quiz
from library.models import Event, EventKind, Resource, ResourceKind, ReviewStatus
from network.models import Member
from projects.models import (
    Organisation,
    OrganisationKind,
    Partnership,
    PartnershipRole,
    Phase,
    Project,
    Theme,
)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    name = factory.Faker("name")
    password = factory.django.Password("correct horse battery staple")


def verify(member: Member) -> Member:
    """Give ``member`` a confirmed email address, as following the link of the email does."""
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    return member


def verified_member(**fields) -> Member:
    """A member who confirmed their address: may post, flag, follow and write to others."""
    return verify(MemberFactory(**fields))


class StaffFactory(MemberFactory):
    is_staff = True
    is_superuser = True


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase
        django_get_or_create = ["slug"]

    name = "Phase actuelle (depuis décembre 2012)"
    name_en = "Current phase (since December 2012)"
    slug = "current"
    start_date = datetime.date(2012, 12, 1)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    name = factory.Sequence(lambda n: f"Thème {n}")
    name_en = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.LazyAttribute(lambda theme: slugify(theme.name_en))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.LazyAttribute(lambda org: slugify(org.name))
    kind = OrganisationKind.CIVIL_SOCIETY
    country = "SN"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Projet numéro {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    country = "SN"
    objective = "Renforcer le rôle des migrants dans le développement local."
    phase = factory.SubFactory(PhaseFactory)
    duration_months = 21
    funding_amount = Decimal("230000.00")
    funding_currency = "USD"

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        """``partners=[org, …]``: the first leads, the others are partners."""
        if create and extracted:
            for order, organisation in enumerate(extracted):
                Partnership.objects.create(
                    project=self,
                    organisation=organisation,
                    role=PartnershipRole.LEAD if order == 0 else PartnershipRole.PARTNER,
                    order=order,
                )


class ResourceFactory(factory.django.DjangoModelFactory):
    """A published link of the library (``status=ReviewStatus.PENDING`` for one waiting for
    review); files are added with ``library.uploads``."""

    class Meta:
        model = Resource
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Ressource numéro {n}")
    title_en = factory.Sequence(lambda n: f"Resource number {n}")
    slug = factory.Sequence(lambda n: f"resource-{n}")
    summary = "Un guide pour les autorités locales."
    kind = ResourceKind.TOOLKIT
    languages = factory.LazyFunction(lambda: ["fr"])
    url = factory.Sequence(lambda n: f"https://example.org/documents/{n}")
    year = 2014
    status = ReviewStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)

    @factory.post_generation
    def projects(self, create, extracted, **kwargs):
        if create and extracted:
            self.projects.set(extracted)


class EventFactory(factory.django.DjangoModelFactory):
    """A published online webinar, a week from now, two hours long."""

    class Meta:
        model = Event
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Webinaire numéro {n}")
    title_en = factory.Sequence(lambda n: f"Webinar number {n}")
    slug = factory.Sequence(lambda n: f"event-{n}")
    description = "Échanges entre autorités locales."
    kind = EventKind.WEBINAR
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + datetime.timedelta(hours=2))
    time_zone = "Africa/Dakar"
    online = True
    online_url = "https://meet.example.org/jmdi"
    languages = factory.LazyFunction(lambda: ["fr", "en"])
    status = ReviewStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)


class CourseFactory(factory.django.DjangoModelFactory):
    """A published course, without modules (add them with ModuleFactory)."""

    class Meta:
        model = Course
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Cours numéro {n}")
    title_en = factory.Sequence(lambda n: f"Course number {n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    summary = "Pour les autorités locales."
    languages = factory.LazyFunction(lambda: ["fr", "en"])
    published = True
    published_at = factory.LazyFunction(timezone.now)


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Module {n}")
    order = factory.Sequence(lambda n: n)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson
        skip_postgeneration_save = True

    module = factory.SubFactory(ModuleFactory)
    title = factory.Sequence(lambda n: f"Leçon {n}")
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    body = "Les autorités locales sont au cœur des **migrations**."
    order = factory.Sequence(lambda n: n)


class QuizFactory(factory.django.DjangoModelFactory):
    """A module's quiz, without questions (add them with QuestionFactory)."""

    class Meta:
        model = Quiz

    module = factory.SubFactory(ModuleFactory)
    pass_mark = 70


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    quiz = factory.SubFactory(QuizFactory)
    text = factory.Sequence(lambda n: f"Question {n} ?")
    kind = QuestionKind.SINGLE
    order = factory.Sequence(lambda n: n)


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory)
    text = factory.Sequence(lambda n: f"Réponse {n}")
    correct = False
    order = factory.Sequence(lambda n: n)
