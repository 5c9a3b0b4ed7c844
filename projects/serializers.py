"""What the open-data API says about the catalogue. Every field is named explicitly.

Texts people read are given in the language of the request (``?lang=fr|en|es``, else
``Accept-Language``; see ``projects.api``), falling back to French, then English, then
Spanish where that language has none: ``title``. The resources themselves (a project, an
organisation, a theme, a phase) also give every language's own text, ``null`` where that
language has none: ``title_fr``, ``title_en``, ``title_es``. Names of countries and choices
follow the same language, and page URLs point to the site in that language.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.translation import LANGUAGE_CODES, language_name
from projects.iati import activity_identifier
from projects.models import Organisation, Partnership, Phase, Project, Theme

IN_REQUEST_LANGUAGE = _(
    "In the language of the request; where it has none, in the first language that has it "
    "(French, English, Spanish)."
)


class LanguageTextField(serializers.CharField):
    """One language's own text of a translated field: null where that language has none."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class TranslatedModelSerializer(serializers.ModelSerializer):
    """Each field named in ``Meta.translated`` is given in the language of the request
    (with the fallback), followed by ``<field>_fr``, ``<field>_en`` and ``<field>_es``."""

    def get_fields(self):
        fields = {}
        translated = getattr(self.Meta, "translated", ())
        for name, serializer_field in super().get_fields().items():
            fields[name] = serializer_field
            if name not in translated:
                continue
            serializer_field.help_text = " ".join(
                str(text) for text in [serializer_field.help_text, IN_REQUEST_LANGUAGE] if text
            )
            for code in LANGUAGE_CODES:
                column, source = f"{name}_{code}", f"{serializer_field.source or name}_{code}"
                fields[column] = LanguageTextField(
                    # DRF refuses a source that only repeats the field's name.
                    **({"source": source} if source != column else {}),
                    help_text=_("In %(language)s; null where there is none.")
                    % {"language": language_name(code)},
                )
        return fields


@extend_schema_field(OpenApiTypes.URI)
class PageURLField(serializers.Field):
    """The absolute URL of the object's page on the site."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        return self.context["request"].build_absolute_uri(value.get_absolute_url())


@extend_schema_field(OpenApiTypes.URI)
class ProjectsURLField(serializers.Field):
    """The absolute URL of the API's project list filtered on this object (``?theme=…``)."""

    def __init__(self, filter_name: str, **kwargs):
        self.filter_name = filter_name
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        url = f"{reverse('api:project-list')}?{self.filter_name}={value.slug}"
        return self.context["request"].build_absolute_uri(url)


class ErrorSerializer(serializers.Serializer):
    """The body of an error answer (404, 405, 429)."""

    detail = serializers.CharField(help_text=_("What went wrong."))


class CountryRefSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("ISO 3166-1 alpha-2 code, e.g. “SN”."))
    name = serializers.CharField(help_text=_("Name in the language of the request."))


class AmountSerializer(serializers.Serializer):
    """An amount of money in one currency."""

    currency = serializers.CharField(help_text=_("ISO 4217 code, e.g. “USD”."))
    amount = serializers.DecimalField(max_digits=None, decimal_places=2)


class ProjectFundingSerializer(serializers.Serializer):
    """ICMD funding of one project (read from the project itself)."""

    currency = serializers.CharField(source="funding_currency", help_text=_("ISO 4217 code."))
    amount = serializers.DecimalField(source="funding_amount", max_digits=14, decimal_places=2)


class TotalsSerializer(serializers.Serializer):
    """Figures of the whole filtered list, not only of the page."""

    projects = serializers.IntegerField()
    countries = serializers.IntegerField()
    funding = AmountSerializer(many=True, help_text=_("Funding summed per currency."))


class ThemeRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(help_text=IN_REQUEST_LANGUAGE)

    class Meta:
        model = Theme
        fields = ["slug", "name"]


class PhaseRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(help_text=IN_REQUEST_LANGUAGE)

    class Meta:
        model = Phase
        fields = ["slug", "name"]


class OrganisationRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(help_text=IN_REQUEST_LANGUAGE)
    kind_label = serializers.CharField(source="get_kind_display")
    country = CountryRefSerializer()
    page_url = PageURLField()
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:organisation-detail", lookup_field="slug"
    )

    class Meta:
        model = Organisation
        fields = ["slug", "name", "kind", "kind_label", "country", "page_url", "api_url"]


class PartnerSerializer(serializers.ModelSerializer):
    """An organisation taking part in a project, with its role."""

    role_label = serializers.CharField(source="get_role_display")
    organisation = OrganisationRefSerializer()

    class Meta:
        model = Partnership
        fields = ["role", "role_label", "organisation"]


class ProjectSerializer(TranslatedModelSerializer):
    iati_identifier = serializers.SerializerMethodField(
        help_text=_("The identifier of the project's activity in the IATI export.")
    )
    country = CountryRefSerializer()
    phase = PhaseRefSerializer()
    status_label = serializers.CharField(source="get_status_display")
    funding = ProjectFundingSerializer(source="*")
    themes = ThemeRefSerializer(many=True)
    partners = PartnerSerializer(
        source="partnerships", many=True, help_text=_("The lead organisation first.")
    )
    page_url = PageURLField()
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:project-detail", lookup_field="slug"
    )
    iati_url = serializers.SerializerMethodField(
        help_text=_("This project as an IATI 2.03 activity file.")
    )

    class Meta:
        model = Project
        fields = [
            "slug",
            "iati_identifier",
            "title",
            "country",
            "locality",
            "objective",
            "description",
            "phase",
            "status",
            "status_label",
            "duration_months",
            "funding",
            "start_date",
            "end_date",
            "themes",
            "partners",
            "page_url",
            "api_url",
            "iati_url",
        ]
        translated = ["title", "locality", "objective", "description"]

    def get_iati_identifier(self, project) -> str:
        return activity_identifier(project)

    @extend_schema_field(OpenApiTypes.URI)
    def get_iati_url(self, project) -> str:
        url = reverse("projects:project_iati", kwargs={"slug": project.slug})
        return self.context["request"].build_absolute_uri(url)


class OrganisationProjectSerializer(serializers.ModelSerializer):
    """A published project an organisation takes part in, with its role there."""

    slug = serializers.SlugField(source="project.slug")
    title = serializers.CharField(source="project.title", help_text=IN_REQUEST_LANGUAGE)
    role_label = serializers.CharField(source="get_role_display")
    api_url = serializers.HyperlinkedRelatedField(
        source="project", view_name="api:project-detail", lookup_field="slug", read_only=True
    )

    class Meta:
        model = Partnership
        fields = ["slug", "title", "role", "role_label", "api_url"]


class OrganisationSerializer(TranslatedModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    country = CountryRefSerializer()
    project_count = serializers.IntegerField(help_text=_("Published projects."))
    projects = OrganisationProjectSerializer(
        source="published_partnerships", many=True, help_text=_("Published projects only.")
    )
    page_url = PageURLField()
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:organisation-detail", lookup_field="slug"
    )

    class Meta:
        model = Organisation
        fields = [
            "slug",
            "name",
            "kind",
            "kind_label",
            "country",
            "city",
            "website",
            "description",
            "verified",
            "iati_ref",
            "project_count",
            "projects",
            "page_url",
            "api_url",
        ]
        translated = ["name", "description"]


class CountrySerializer(serializers.Serializer):
    """A country with published projects (rows built in ``api.country_rows``)."""

    code = serializers.CharField(help_text=_("ISO 3166-1 alpha-2 code, e.g. “SN”."))
    name = serializers.CharField(help_text=_("Name in the language of the request."))
    project_count = serializers.IntegerField()
    funding = AmountSerializer(many=True, help_text=_("Funding summed per currency."))
    page_url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    projects_url = serializers.SerializerMethodField()

    def absolute(self, url: str) -> str:
        return self.context["request"].build_absolute_uri(url)

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, row) -> str:
        return self.absolute(reverse("projects:country", kwargs={"code": row["code"].lower()}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, row) -> str:
        return self.absolute(reverse("api:country-detail", kwargs={"code": row["code"]}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_projects_url(self, row) -> str:
        return self.absolute(f"{reverse('api:project-list')}?country={row['code']}")


class ThemeSerializer(TranslatedModelSerializer):
    project_count = serializers.IntegerField(help_text=_("Published projects."))
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:theme-detail", lookup_field="slug"
    )
    projects_url = ProjectsURLField("theme")

    class Meta:
        model = Theme
        fields = [
            "slug",
            "name",
            "project_count",
            "api_url",
            "projects_url",
        ]
        translated = ["name"]


class PhaseSerializer(TranslatedModelSerializer):
    project_count = serializers.IntegerField(help_text=_("Published projects in the catalogue."))
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:phase-detail", lookup_field="slug"
    )
    projects_url = ProjectsURLField("phase")

    class Meta:
        model = Phase
        fields = [
            "slug",
            "name",
            "start_date",
            "end_date",
            "project_count",
            "reported_projects",
            "reported_countries",
            "api_url",
            "projects_url",
        ]
        translated = ["name"]
