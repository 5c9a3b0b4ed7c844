"""What members type to share a resource, and the follow/unfollow buttons of the library."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common.forms import CleanTextMixin
from common.idempotency import SubmissionTokenMixin
from common.translation import LanguageChoiceField, natural_localized_order
from library.models import DOCUMENT_LANGUAGES, Licence, ResourceKind
from library.uploads import LibraryFileField
from network.services import listed_with_name
from projects.models import Theme

SUMMARY_MAX_LENGTH = 5000


def country_list():
    """Every country, named and sorted in the page's language (made for each form)."""
    return list(countries)


class ShareResourceForm(CleanTextMixin, SubmissionTokenMixin, forms.Form):
    """A member shares a document (one file, in one language) or a link. The publishing
    organisation is typed: a name the catalogue lists (in any language, accents and
    capitals aside) links the resource to that organisation, any other is kept as
    written. Whether the member may share, and the rules of a submission, are the
    services' (``library.services.submit_resource``)."""

    language = LanguageChoiceField(
        label=_("Language of the title and summary"),
        required=False,
        help_text=_("The language you write the title and the summary in."),
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the resource is about and whom it is for, in a few sentences."),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *ResourceKind.choices])
    languages = forms.MultipleChoiceField(
        label=_("Languages of the document"),
        choices=DOCUMENT_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    authors = forms.CharField(
        label=_("Authors"),
        max_length=500,
        required=False,
        help_text=_("Separated by commas."),
    )
    publisher = forms.CharField(
        label=_("Publishing organisation"),
        max_length=255,
        required=False,
        help_text=_(
            "Its name. If it is in the catalogue, write the name it is listed under: the "
            "resource will also be listed on its page."
        ),
    )
    year = forms.IntegerField(label=_("Year of publication"), required=False, min_value=1900)
    countries = forms.MultipleChoiceField(
        label=_("Countries it is about"),
        choices=country_list,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    licence = forms.ChoiceField(
        label=_("Licence"), choices=Licence.choices, initial=Licence.UNKNOWN
    )
    file = LibraryFileField(label=_("File"), required=False)
    file_language = forms.ChoiceField(
        label=_("Language of the file"),
        choices=[("", "—"), *DOCUMENT_LANGUAGES],
        required=False,
    )
    url = forms.URLField(
        label=_("Or a link"),
        max_length=1000,
        required=False,
        assume_scheme="https",
        help_text=_("The address where the resource is published, if you give no file."),
    )

    def __init__(self, *args, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = Theme.objects.order_by(natural_localized_order("name"))
        next_year = timezone.now().year + 1
        self.fields["year"].validators.append(MaxValueValidator(next_year))
        self.fields["year"].widget.attrs["max"] = next_year
        if member is not None and not self.is_bound:
            self.initial.setdefault("language", member.language)

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give the resource a title."), code="required")
        return title

    def clean(self):
        cleaned = super().clean()
        uploaded, url = cleaned.get("file"), cleaned.get("url")
        if "file" in self.errors or "url" in self.errors:
            return cleaned
        if uploaded and url:
            raise forms.ValidationError(
                _("Give either a file or a link, not both: a resource is one or the other."),
                code="file_and_link",
            )
        if not uploaded and not url:
            raise forms.ValidationError(
                _("Give the file of the resource, or the link to where it is published."),
                code="no_file_nor_link",
            )
        if uploaded and not cleaned.get("file_language"):
            self.add_error("file_language", _("Say which language the file is in."))
        return cleaned

    def submission(self) -> tuple[dict, dict]:
        """(data, files) for ``library.services.submit_resource``."""
        cleaned = self.cleaned_data
        name = cleaned.get("publisher") or ""
        publisher = listed_with_name(name).first() if name else None
        data = {
            "language": cleaned.get("language"),
            "title": cleaned["title"],
            "summary": cleaned.get("summary") or "",
            "kind": cleaned["kind"],
            "languages": cleaned.get("languages") or [],
            "authors": cleaned.get("authors") or "",
            "publisher": publisher,
            "publisher_name": "" if publisher else name,
            "year": cleaned.get("year"),
            "countries": cleaned.get("countries") or [],
            "themes": list(cleaned.get("themes") or []),
            "licence": cleaned.get("licence"),
            "url": cleaned.get("url") or "",
        }
        files = {cleaned["file_language"]: cleaned["file"]} if cleaned.get("file") else {}
        return data, files


class LibraryFollowForm(forms.Form):
    """The hidden fields of a "Follow"/"Unfollow" button: a theme (its slug) or a
    country (its code)."""

    theme = forms.SlugField(required=False)
    country = forms.CharField(required=False, max_length=2)
    action = forms.ChoiceField(choices=[("follow", "follow"), ("unfollow", "unfollow")])
    next = forms.CharField(max_length=500, required=False)

    def clean(self):
        cleaned = super().clean()
        theme, country = cleaned.get("theme"), (cleaned.get("country") or "").upper()
        if bool(theme) == bool(country):
            raise forms.ValidationError("A theme or a country.", code="invalid")
        if country and country not in countries:
            self.add_error("country", "Not a country.")
        cleaned["country"] = country
        return cleaned
