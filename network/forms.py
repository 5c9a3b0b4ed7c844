from django import forms
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import LazyTypedChoiceField

from common.forms import CleanTextMixin
from common.idempotency import SubmissionTokenMixin
from common.translation import (
    LanguageChoiceField,
    any_language,
    country_choices,
    current_language,
    language_name,
    localized_field,
)
from network import accounts, services
from network.models import Member
from projects.models import Organisation, OrganisationKind, Theme


class MemberEmailMixin:
    """An address is stored in lower case (``Member.save``): it is compared so here too,
    and one already a member's is refused on the field, in words, before the database's
    constraint would refuse it."""

    def clean_email(self):
        return (self.cleaned_data.get("email") or "").strip().lower()


class MemberCreationForm(CleanTextMixin, MemberEmailMixin, BaseUserCreationForm):
    class Meta:
        model = Member
        fields = ["email", "name"]


class MemberChangeForm(CleanTextMixin, MemberEmailMixin, UserChangeForm):
    class Meta:
        model = Member
        fields = "__all__"


class ProfileFieldsMixin(CleanTextMixin, forms.Form):
    """The profile questions, shared by the sign-up form and the profile form. The country
    list starts empty, so nobody is silently given the first country of the list."""

    name = forms.CharField(label=_("Name"), max_length=150)
    country = LazyTypedChoiceField(label=_("Country"), choices=country_choices)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    affiliation = forms.CharField(
        label=_("Current affiliation"),
        max_length=200,
        required=False,
        help_text=_("Where you work or study, in your own words."),
    )
    expertise = forms.ModelMultipleChoiceField(
        label=_("Areas of expertise"),
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    bio = forms.CharField(
        label=_("Short bio"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class EmailLanguageField(LanguageChoiceField):
    """The language the portal writes to a member in, each named in itself: who reads the
    list is looking for their own."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Language for emails"))
        kwargs.setdefault(
            "help_text", _("The portal writes to you in this language (emails, notifications).")
        )
        super().__init__(named_in_itself=True, **kwargs)


class JoinAs:
    INDIVIDUAL = "individual"
    EXISTING = "existing"
    NEW = "new"
    CHOICES = [
        (INDIVIDUAL, _("As an individual")),
        (EXISTING, _("I represent an organisation already in the catalogue")),
        (NEW, _("I represent an organisation that is not listed yet")),
    ]


class SignupForm(SubmissionTokenMixin, ProfileFieldsMixin):
    """The questions M4D Net asks on top of allauth's email and password. Its submission
    token makes a second click land on the first one's answer (network/views/accounts.py)."""

    join_as = forms.ChoiceField(
        label=_("Join M4D Net"),
        choices=JoinAs.CHOICES,
        initial=JoinAs.INDIVIDUAL,
        widget=forms.RadioSelect,
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation in the catalogue"),
        queryset=Organisation.objects.listed().order_by(Lower("name")),
        required=False,
        empty_label=_("Choose your organisation"),
    )
    organisation_name = forms.CharField(
        label=_("Name of the new organisation"), max_length=255, required=False
    )
    organisation_kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=[("", "—"), *OrganisationKind.choices],
        required=False,
    )
    organisation_country = LazyTypedChoiceField(
        label=_("Country of the organisation"),
        choices=country_choices,
        required=False,
    )
    organisation_website = forms.URLField(
        label=_("Website"), required=False, assume_scheme="https", max_length=200
    )
    organisation_description = forms.CharField(
        label=_("What the organisation does"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Not required: without it (a form posted by other means), the page's language.
    language = EmailLanguageField(required=False)
    accept_terms = forms.BooleanField(
        label=_("I accept the terms of use"),
        error_messages={"required": _("Accept the terms of use to join M4D Net.")},
    )

    def clean(self):
        data = super().clean()
        join_as = data.get("join_as")
        if join_as == JoinAs.EXISTING and not data.get("organisation"):
            self.add_error("organisation", _("Choose the organisation you represent."))
        if join_as == JoinAs.NEW:
            for name in ("organisation_name", "organisation_kind", "organisation_country"):
                if not data.get(name):
                    self.add_error(name, _("Needed for a new organisation."))
        # Whether the name is a listed organisation's is decided when the proposal is saved
        # (services.propose_organisation); its refusal comes back to the field.
        return data

    def signup(self, request, user):
        """Called by allauth once the account exists (email not yet verified), in the
        sign-up's transaction: a refusal (``services.MembershipError``) undoes the account."""
        data = self.cleaned_data
        for field in ("name", "country", "city", "affiliation", "bio"):
            setattr(user, field, data.get(field) or "")
        user.language = data.get("language") or current_language()
        user.terms_accepted_at = timezone.now()
        user.terms_version = accounts.terms_version()
        user.save()
        user.expertise.set(data.get("expertise") or [])
        if data["join_as"] == JoinAs.EXISTING:
            services.claim_organisation(member=user, organisation=data["organisation"])
        elif data["join_as"] == JoinAs.NEW:
            services.propose_organisation(
                member=user,
                new=services.NewOrganisation(
                    name=data["organisation_name"].strip(),
                    kind=data["organisation_kind"],
                    country=data["organisation_country"],
                    website=data.get("organisation_website") or "",
                    description=data.get("organisation_description") or "",
                ),
            )


# --- A member's own profile and account (network/views/profiles.py) ---------------------


class ProfileForm(ProfileFieldsMixin, forms.ModelForm):
    """What a member edits about themselves; only these fields, whatever else is posted."""

    language = EmailLanguageField()

    class Meta:
        model = Member
        fields = [
            "name",
            "country",
            "city",
            "affiliation",
            "expertise",
            "bio",
            "visibility",
            "language",
            "follow_own_topics",
        ]
        widgets = {"visibility": forms.RadioSelect}


class ContactForm(CleanTextMixin, SubmissionTokenMixin, forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=150)
    message = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.member.check_password(password):
            raise forms.ValidationError(_("This is not your password."), code="wrong_password")
        return password


# --- Organisations: joining one, and what its representatives edit -------------------------


class BelongForm(SubmissionTokenMixin, forms.Form):
    """A member says "I belong to this organisation"; its representatives will decide."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.listed().order_by(Lower("name")),
        empty_label=_("Choose the organisation"),
    )


class OrganisationProfileForm(CleanTextMixin, forms.ModelForm):
    """An organisation's profile as its representatives (and staff) edit it. Only the fields
    listed here are read: anything else posted (verified, slug, …) is ignored. The name of a
    verified organisation is what the ICMD team checked, so only staff change it."""

    website = forms.URLField(
        label=_("Website"), required=False, assume_scheme="https", max_length=200
    )
    description = forms.CharField(
        label=_("What the organisation does"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    class Meta:
        model = Organisation
        fields = ["name", "kind", "country", "city", "website", "description"]

    def __init__(self, *args, can_rename: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_rename:
            del self.fields["name"]
        # The description is edited in the page's language: another language's text is not
        # offered for editing (it would be saved as this language's).
        language = current_language()
        if not self.is_bound:
            self.initial["description"] = (
                getattr(self.instance, localized_field("description", language)) or ""
            )
        self.fields["description"].help_text = _(
            "In %(language)s. Leave it empty to show the text of another language."
        ) % {"language": language_name(language)}

    def clean_name(self):
        """A listed organisation's name is refused (accents and capitals aside, in any
        language); a proposal waiting for staff holds no name."""
        name = " ".join(self.cleaned_data["name"].split())
        others = Organisation.objects.listed().exclude(pk=self.instance.pk)
        if others.filter(any_language("name", "unaccent__iexact", name)).exists():
            raise forms.ValidationError(_("Another organisation already has this name."))
        return name

    def clean(self):
        data = super().clean()
        if "name" in data and "name" not in self.changed_data:
            # Unchanged: the name stays in the language it is written in.
            del data["name"]
        return data


class MemberDecisionForm(CleanTextMixin, forms.Form):
    """A representative's decision on one membership of their organisation."""

    # A request is approved or refused; a member is removed. Each says what the person
    # deciding saw: a request approved meanwhile by someone else is not then removed.
    APPROVE, REFUSE, REMOVE = "approve", "refuse", "remove"

    membership = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse")), (REMOVE, _("Remove"))],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason (optional, sent to the person)"), max_length=2000, required=False
    )
