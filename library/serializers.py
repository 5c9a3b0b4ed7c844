"""What the open-data API says about the library's resources and the events. Every field is
named explicitly; texts and names follow the language of the request, as the catalogue's
do (``projects.serializers``): ``title`` in that language (with the fallback), then
``title_fr``, ``title_en``, ``title_es`` as written.

Nothing about members: who shared a resource, who proposed or attends an event is not
open data. An online event's link is given only where its organiser shows it to everyone.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from library.models import DOCUMENT_LANGUAGES, Event, Resource, ResourceFile
from projects.models import Project
from projects.serializers import (
    IN_REQUEST_LANGUAGE,
    CountryRefSerializer,
    OrganisationRefSerializer,
    PageURLField,
    ThemeRefSerializer,
    TranslatedModelSerializer,
)


class DocumentLanguagesField(serializers.ListField):
    """Codes of the languages a document or an event is in (ISO 639-1)."""

    child = serializers.ChoiceField(choices=DOCUMENT_LANGUAGES)

    def __init__(self, **kwargs):
        super().__init__(read_only=True, help_text=_("ISO 639-1 codes, e.g. “fr”."), **kwargs)


class CountryRefsField(serializers.ListField):
    """A list of ISO codes, given with their names in the language of the request."""

    child = CountryRefSerializer()

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, codes):
        from django_countries import countries

        return [{"code": code, "name": countries.name(code) or code} for code in codes]


class ProjectRefSerializer(serializers.ModelSerializer):
    """A published project named by a resource or an event."""

    title = serializers.CharField(help_text=IN_REQUEST_LANGUAGE)
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:project-detail", lookup_field="slug"
    )

    class Meta:
        model = Project
        fields = ["slug", "title", "api_url"]


class ResourceRefSerializer(serializers.ModelSerializer):
    """A published resource named by an event."""

    title = serializers.CharField(help_text=IN_REQUEST_LANGUAGE)
    api_url = serializers.HyperlinkedIdentityField(
        view_name="library_api:resource-detail", lookup_field="slug"
    )

    class Meta:
        model = Resource
        fields = ["slug", "title", "api_url"]


class ResourceFileSerializer(serializers.ModelSerializer):
    """One file of a resource, in one language: its type (read from its content), its size
    and where to download it."""

    language = serializers.ChoiceField(choices=DOCUMENT_LANGUAGES, read_only=True)
    content_type = serializers.CharField(
        help_text=_("Its IANA media type, e.g. “application/pdf”.")
    )
    size = serializers.IntegerField(help_text=_("In bytes."))
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ResourceFile
        fields = ["language", "content_type", "size", "download_url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, resource_file) -> str:
        url = reverse("library:download", kwargs={"pk": resource_file.pk})
        return self.context["request"].build_absolute_uri(url)


class ResourceSerializer(TranslatedModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    languages = DocumentLanguagesField()
    publisher = OrganisationRefSerializer(
        allow_null=True, help_text=_("The publishing organisation, when it is in the catalogue.")
    )
    publisher_name = serializers.CharField(
        source="publisher_label",
        help_text=_("The publisher's name, in the catalogue or not (empty when unknown)."),
    )
    countries = CountryRefsField(help_text=_("The countries it is about."))
    themes = ThemeRefSerializer(many=True)
    projects = ProjectRefSerializer(source="published_projects", many=True)
    licence_label = serializers.CharField(source="get_licence_display")
    url = serializers.SerializerMethodField(
        help_text=_("Its address elsewhere (a link rather than files); null when it has none.")
    )
    files = ResourceFileSerializer(many=True, help_text=_("One file per language at most."))
    page_url = PageURLField()
    api_url = serializers.HyperlinkedIdentityField(
        view_name="library_api:resource-detail", lookup_field="slug"
    )

    class Meta:
        model = Resource
        fields = [
            "slug",
            "title",
            "summary",
            "kind",
            "kind_label",
            "languages",
            "authors",
            "publisher",
            "publisher_name",
            "year",
            "countries",
            "themes",
            "projects",
            "licence",
            "licence_label",
            "url",
            "files",
            "published_at",
            "page_url",
            "api_url",
        ]
        translated = ["title", "summary"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, resource) -> str | None:
        # A link to a page of the site (the seed's, to its about pages) is made absolute.
        if not resource.url:
            return None
        return self.context["request"].build_absolute_uri(resource.url)


class EventSerializer(TranslatedModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    starts_at = serializers.DateTimeField(help_text=_("In UTC."))
    ends_at = serializers.DateTimeField(help_text=_("In UTC."))
    time_zone = serializers.CharField(
        help_text=_("The IANA time zone it takes place in, e.g. “Africa/Dakar”.")
    )
    online_url = serializers.SerializerMethodField(
        help_text=_(
            "The link to join it online; null when it has none or shows it to members only."
        )
    )
    country = serializers.SerializerMethodField()
    languages = DocumentLanguagesField()
    organiser = OrganisationRefSerializer(
        allow_null=True, help_text=_("The organising organisation; null when the JMDI team is.")
    )
    themes = ThemeRefSerializer(many=True)
    projects = ProjectRefSerializer(source="published_projects", many=True)
    resources = ResourceRefSerializer(source="published_resources", many=True)
    page_url = PageURLField()
    ics_url = serializers.SerializerMethodField(help_text=_("The event as an iCalendar file."))
    api_url = serializers.HyperlinkedIdentityField(
        view_name="library_api:event-detail", lookup_field="slug"
    )

    class Meta:
        model = Event
        fields = [
            "slug",
            "title",
            "description",
            "kind",
            "kind_label",
            "starts_at",
            "ends_at",
            "time_zone",
            "online",
            "online_url",
            "city",
            "country",
            "languages",
            "organiser",
            "themes",
            "projects",
            "resources",
            "page_url",
            "ics_url",
            "api_url",
        ]
        translated = ["title", "description"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_online_url(self, event) -> str | None:
        if not event.online or not event.online_url or event.link_for_members_only:
            return None
        return event.online_url

    @extend_schema_field(CountryRefSerializer(allow_null=True))
    def get_country(self, event) -> dict | None:
        if not event.country:
            return None
        return {"code": event.country.code, "name": event.country.name}

    @extend_schema_field(OpenApiTypes.URI)
    def get_ics_url(self, event) -> str:
        url = reverse("events:ics", kwargs={"slug": event.slug})
        return self.context["request"].build_absolute_uri(url)
