from collections import Counter

from allauth.account.models import EmailAddress
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Exists, OuterRef, Q, Subquery
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.defaultfilters import linebreaksbr
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.translation import localized_fields, localized_value
from network import services
from network.forms import MemberChangeForm, MemberCreationForm
from network.models import (
    Member,
    Membership,
    MembershipRole,
    MembershipStatus,
    RepresentativeClaim,
)
from projects.models import Organisation


@admin.register(Member)
class MemberAdmin(UserAdmin):
    form = MemberChangeForm
    add_form = MemberCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "name",
        "country",
        "visibility",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "visibility", "groups"]
    search_fields = ["email", "name", "affiliation"]
    readonly_fields = ["slug", "deleted_at", "terms_accepted_at", "terms_version"]
    filter_horizontal = ["expertise", "groups", "user_permissions"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "name",
                    "slug",
                    "country",
                    "city",
                    "affiliation",
                    "expertise",
                    "bio",
                    "visibility",
                    "deleted_at",
                ]
            },
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (
            _("Important dates"),
            {"fields": ["last_login", "date_joined", "terms_accepted_at", "terms_version"]},
        ),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]}),
    ]


# --- Organisations: the staff's verification queue, and every membership -------------------


class RejectClaimForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Sent by email to the person who asked; be clear and polite."),
    )


class ClaimStatusFilter(admin.SimpleListFilter):
    """By status, showing the requests still waiting unless another choice is made."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*MembershipStatus.choices, (self.ALL, _("All"))]

    def value(self):
        return super().value() or MembershipStatus.PENDING

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ReadinessFilter(admin.SimpleListFilter):
    """Whether a request waiting may be decided now: a person who has not confirmed their
    address is not approved, nor a proposal whose name a listed organisation now bears."""

    title = _("before deciding")
    parameter_name = "readiness"
    READY, EMAIL, NAMESAKE = "ready", "email", "namesake"

    def lookups(self, request, model_admin):
        return [
            (self.READY, _("Ready to decide")),
            (self.EMAIL, _("Email address not confirmed")),
            (self.NAMESAKE, _("An organisation with this name is now listed")),
        ]

    def queryset(self, request, queryset):
        namesake = Q(organisation_listed=False, listed_namesake__isnull=False)
        if self.value() == self.READY:
            return queryset.filter(email_confirmed=True).exclude(namesake)
        if self.value() == self.EMAIL:
            return queryset.filter(email_confirmed=False)
        if self.value() == self.NAMESAKE:
            return queryset.filter(namesake)
        return queryset


DECISION_FIELDS = ["status", "reason", "decided_at", "decided_by"]


@admin.register(RepresentativeClaim)
class RepresentativeClaimAdmin(admin.ModelAdmin):
    """Who says they represent an organisation; staff approve or reject through the services
    (which verify the organisation and tell the person by email), never by editing rows."""

    list_display = [
        "member",
        "member_email",
        "email_confirmed",
        "organisation",
        "request_kind",
        "organisation_verified",
        "before_deciding",
        "created",
        "status",
    ]
    list_filter = [ClaimStatusFilter, ReadinessFilter, "organisation__verified"]
    list_select_related = ["member", "organisation"]
    search_fields = [
        "member__email",
        "member__name",
        *(f"{column}__unaccent" for column in localized_fields("organisation__name")),
    ]
    ordering = ["created"]
    # The page of one request: who asks, the organisation as proposed or listed, and what
    # stands in the way of approving it; staff decide with the buttons below it.
    fieldsets = [
        (
            _("Who asks"),
            {"fields": ["member", "member_email", "email_confirmed_in_words", "created"]},
        ),
        (
            _("Organisation"),
            {
                "fields": [
                    "organisation",
                    "request_kind",
                    "organisation_name",
                    "organisation_kind",
                    "organisation_country",
                    "organisation_website",
                    "organisation_description",
                ]
            },
        ),
        (_("Decision"), {"fields": ["before_deciding", *DECISION_FIELDS]}),
    ]
    readonly_fields = [field for _title, options in fieldsets for field in options["fields"]]
    change_form_template = "admin/network/representativeclaim/change_form.html"
    actions = ["approve_claims", "reject_claims"]

    def get_queryset(self, request):
        """The representatives, with what staff must know before deciding: whether the
        person confirmed their address, whether the organisation is listed or proposed,
        and, for a proposal, a listed organisation that bears its name (one approved, or
        listed, since it was proposed: never merged, staff decide)."""
        confirmed = EmailAddress.objects.filter(user=OuterRef("member"), verified=True)
        listed = Organisation.objects.listed().filter(pk=OuterRef("organisation"))
        namesake = (
            services.listed_namesakes("organisation__")
            .annotate(shown_name=localized_value("name"))
            .values("shown_name")[:1]
        )
        return (
            super()
            .get_queryset(request)
            .filter(role=MembershipRole.REPRESENTATIVE)
            .annotate(
                email_confirmed=Exists(confirmed),
                organisation_listed=Exists(listed),
                listed_namesake=Subquery(namesake, output_field=CharField()),
            )
        )

    def has_add_permission(self, request):
        return False  # claims come from the sign-up form

    def has_delete_permission(self, request, obj=None):
        return False  # a decision is made, and told, through the actions

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name=f"{prefix}_approve",
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name=f"{prefix}_reject",
            ),
            *super().get_urls(),
        ]

    def _admin_url(self, view: str, *args) -> str:
        """The address of one of this admin's pages ("change", "approve"…)."""
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}",
            args=args,
            current_app=self.admin_site.name,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The request, read-only (nothing is saved from this page), with Approve and
        Reject (with a reason) while it waits and the staff member may decide."""
        if request.method == "POST":
            return HttpResponseNotAllowed(["GET", "HEAD"])  # decisions have their own URLs
        claim = self.get_object(request, unquote(object_id))
        can_decide = (
            claim is not None
            and claim.status == MembershipStatus.PENDING
            and self.has_change_permission(request, claim)
        )
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "can_decide": can_decide,
            "reject_form": RejectClaimForm(auto_id="reject_%s"),
        }
        if can_decide:
            extra_context["approve_url"] = self._admin_url("approve", claim.pk)
            extra_context["reject_url"] = self._admin_url("reject", claim.pk)
        return super().change_view(request, object_id, form_url, extra_context)

    def _claim_to_decide(self, request, object_id):
        """The request a decision is posted for, if the staff member may decide it; whether
        it still waits is the service's to say."""
        if request.method != "POST":
            return None, HttpResponseNotAllowed(["POST"])
        claim = self.get_object(request, unquote(object_id))
        if claim is None:
            raise Http404(_("This request no longer exists."))
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        return claim, None

    def _after_decision(self, request, claim, decide, done: str):
        """``decide()`` through a service: on success back to the queue, saying so; a
        refusal is shown on the request's own page, nothing changed."""
        try:
            decide()
        except services.MembershipError as refusal:
            return self._left_as_it_was(request, claim, str(refusal))
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(self._admin_url("changelist"))

    def _left_as_it_was(self, request, claim, reason: str):
        self.message_user(
            request,
            _("The request was left as it was: %(reason)s") % {"reason": reason},
            messages.WARNING,
        )
        return HttpResponseRedirect(self._admin_url("change", claim.pk))

    def approve_view(self, request, object_id):
        claim, refused = self._claim_to_decide(request, object_id)
        if refused:
            return refused
        return self._after_decision(
            request,
            claim,
            lambda: services.approve_claim(membership=claim, staff=request.user),
            ngettext(
                "%(count)d request approved; the person is told by email.",
                "%(count)d requests approved; each person is told by email.",
                1,
            )
            % {"count": 1},
        )

    def reject_view(self, request, object_id):
        claim, refused = self._claim_to_decide(request, object_id)
        if refused:
            return refused
        form = RejectClaimForm(request.POST)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
        elif request.POST.get("reason", "").strip():  # too long, say
            return self._left_as_it_was(request, claim, " ".join(form.errors["reason"]))
        else:
            reason = ""  # the service refuses it, saying that a reason is needed
        return self._after_decision(
            request,
            claim,
            lambda: services.reject_claim(membership=claim, staff=request.user, reason=reason),
            ngettext(
                "%(count)d request rejected; the person is told by email.",
                "%(count)d requests rejected; each person is told by email.",
                1,
            )
            % {"count": 1},
        )

    @admin.display(description=_("email address"), ordering="member__email")
    def member_email(self, claim):
        return claim.member.email

    @admin.display(boolean=True, description=_("organisation verified"))
    def organisation_verified(self, claim):
        return claim.organisation.verified

    @admin.display(boolean=True, description=_("email confirmed"))
    def email_confirmed(self, claim):
        return claim.email_confirmed

    @admin.display(description=_("email confirmed"))
    def email_confirmed_in_words(self, claim):
        return _("Yes") if claim.email_confirmed else _("No")

    @admin.display(description=_("name"))
    def organisation_name(self, claim):
        return claim.organisation.name

    @admin.display(description=_("kind"))
    def organisation_kind(self, claim):
        return claim.organisation.get_kind_display()

    @admin.display(description=_("country"))
    def organisation_country(self, claim):
        return claim.organisation.country.name

    @admin.display(description=_("website"))
    def organisation_website(self, claim):
        website = claim.organisation.website
        if not website:
            return "—"
        return format_html(
            '<a href="{}" rel="noopener noreferrer nofollow">{}</a>', website, website
        )

    @admin.display(description=_("description"))
    def organisation_description(self, claim):
        return linebreaksbr(claim.organisation.description, autoescape=True) or "—"

    @admin.display(description=_("kind of request"))
    def request_kind(self, claim):
        if claim.organisation_listed:
            return _("Represents a listed organisation")
        return _("Proposes a new organisation")

    @admin.display(description=_("before deciding"))
    def before_deciding(self, claim):
        """What stops the approval of a request waiting, in words; nothing once decided."""
        if claim.status != MembershipStatus.PENDING:
            return "—"
        obstacles = []
        if not claim.email_confirmed:
            obstacles.append(_("Email address not confirmed"))
        if not claim.organisation_listed and claim.listed_namesake:
            obstacles.append(
                _("An organisation with this name is now listed: “%(name)s”")
                % {"name": claim.listed_namesake}
            )
        return "; ".join(map(str, obstacles)) if obstacles else _("Ready to decide")

    def _selected(self, request, queryset):
        """The claims ticked, whatever their status now: the list shows those waiting,
        and one decided meanwhile by someone else is left out of ``queryset`` by the
        list's filter; it is given to the services, whose refusal says why."""
        claims = self.get_queryset(request).select_related("member", "organisation")
        if request.POST.get("select_across") == "1":
            return queryset.select_related("member", "organisation")
        ticked = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        return claims.filter(pk__in=[pk for pk in ticked if pk.isdigit()])

    def _decide(self, request, claims, decide) -> int:
        """``decide(claim)`` through a service for each claim; the service decides whether
        it may (a claim decided meanwhile by someone else is refused) and its refusals are
        shown, one message per reason. Returns how many were decided."""
        decided, refused = 0, Counter()
        for claim in claims:
            try:
                decide(claim)
            except services.MembershipError as refusal:
                refused[str(refusal)] += 1
            else:
                decided += 1
        for reason, count in refused.items():
            self.message_user(
                request,
                ngettext(
                    "%(count)d request left as it was: %(reason)s",
                    "%(count)d requests left as they were: %(reason)s",
                    count,
                )
                % {"count": count, "reason": reason},
                messages.WARNING,
            )
        return decided

    @admin.action(description=_("Approve the selected requests"), permissions=["change"])
    def approve_claims(self, request, queryset):
        count = self._decide(
            request,
            self._selected(request, queryset),
            lambda claim: services.approve_claim(membership=claim, staff=request.user),
        )
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d request approved; the person is told by email.",
                    "%(count)d requests approved; each person is told by email.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )

    @admin.action(description=_("Reject with a reason…"), permissions=["change"])
    def reject_claims(self, request, queryset):
        """First a page asking for the reason (required), then the rejections."""
        confirmed = "apply" in request.POST
        form = RejectClaimForm(request.POST if confirmed else None)
        claims = list(self._selected(request, queryset))
        if confirmed and form.is_valid():
            reason = form.cleaned_data["reason"]
            count = self._decide(
                request,
                claims,
                lambda claim: services.reject_claim(
                    membership=claim, staff=request.user, reason=reason
                ),
            )
            if count:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d request rejected; the person is told by email.",
                        "%(count)d requests rejected; each person is told by email.",
                        count,
                    )
                    % {"count": count},
                    messages.SUCCESS,
                )
            return None
        # The page lists the requests still waiting; the services decide again on each.
        claims = [claim for claim in claims if claim.status == MembershipStatus.PENDING]
        if not claims:
            self.message_user(request, _("None of these requests is waiting."), messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject with a reason"),
            "opts": self.opts,
            "claims": claims,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(
            request,
            "admin/network/representativeclaim/reject_claims.html",
            context,
            status=400 if form.is_bound else 200,
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Every tie between a member and an organisation, to read (decisions are made in the
    queue for representatives, and by representatives for their members)."""

    list_display = ["member", "organisation", "role", "status", "created", "decided_by"]
    list_filter = ["role", "status", "organisation__verified"]
    list_select_related = ["member", "organisation", "decided_by"]
    search_fields = [
        "member__email",
        "member__name",
        *(f"{column}__unaccent" for column in localized_fields("organisation__name")),
    ]
    fields = ["member", "organisation", "role", "created", *DECISION_FIELDS]
    readonly_fields = fields
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only; staff may still delete a membership
