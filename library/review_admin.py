"""What the admin's two review queues share (resources shared by members, events proposed
by representatives; like the organisations to verify): the item's page, read-only, with
Publish and Refuse (with a reason) while it waits and the staff member may decide, and
the two decisions' own URLs, which call the queue's services and say what came of it."""

from collections import Counter

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from library.models import ReviewStatus


class ReviewStatusFilter(admin.SimpleListFilter):
    """By status, showing what still waits unless another choice is made."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*ReviewStatus.choices, (self.ALL, _("All"))]

    def value(self):
        return super().value() or ReviewStatus.PENDING

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


class ReviewQueueAdmin:
    """A mixin for a queue's ModelAdmin. The queue says: ``refuse_form`` (a form with a
    ``reason``), ``decision_error`` (what its services raise to refuse a decision),
    ``gone_message`` and ``left_message`` (with ``%(reason)s``), and how to ``publish``,
    ``refuse``, and word ``published_message(count)`` and ``refused_message(count)``."""

    refuse_form = None
    decision_error = Exception
    gone_message = ""
    left_message = ""

    def publish(self, request, obj):
        raise NotImplementedError

    def refuse(self, request, obj, reason: str):
        raise NotImplementedError

    def published_message(self, count: int) -> str:
        raise NotImplementedError

    def refused_message(self, count: int) -> str:
        raise NotImplementedError

    def decision_context(self, request, obj) -> dict:
        """What else the page shows while the staff member may decide."""
        return {}

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name=f"{prefix}_publish",
            ),
            path(
                "<path:object_id>/refuse/",
                self.admin_site.admin_view(self.refuse_view),
                name=f"{prefix}_refuse",
            ),
            *super().get_urls(),
        ]

    def _admin_url(self, view: str, *args) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}",
            args=args,
            current_app=self.admin_site.name,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return HttpResponseNotAllowed(["GET", "HEAD"])  # decisions have their own URLs
        obj = self.get_object(request, unquote(object_id))
        can_decide = (
            obj is not None
            and obj.status == ReviewStatus.PENDING
            and self.has_change_permission(request, obj)
        )
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "can_decide": can_decide,
            "refuse_form": self.refuse_form(auto_id="refuse_%s"),
        }
        if can_decide:
            extra_context["publish_url"] = self._admin_url("publish", obj.pk)
            extra_context["refuse_url"] = self._admin_url("refuse", obj.pk)
            extra_context.update(self.decision_context(request, obj))
        return super().change_view(request, object_id, form_url, extra_context)

    def _to_decide(self, request, object_id):
        if request.method != "POST":
            return None, HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(self.gone_message)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj, None

    def _after_decision(self, request, obj, decide, done: str):
        try:
            decide()
        except self.decision_error as refusal:
            return self._left_as_it_was(request, obj, str(refusal))
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(self._admin_url("changelist"))

    def _left_as_it_was(self, request, obj, reason: str):
        self.message_user(request, self.left_message % {"reason": reason}, messages.WARNING)
        return HttpResponseRedirect(self._admin_url("change", obj.pk))

    def publish_view(self, request, object_id):
        obj, refused = self._to_decide(request, object_id)
        if refused:
            return refused
        return self._after_decision(
            request, obj, lambda: self.publish(request, obj), self.published_message(1)
        )

    def refuse_view(self, request, object_id):
        obj, refused = self._to_decide(request, object_id)
        if refused:
            return refused
        form = self.refuse_form(request.POST)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
        elif request.POST.get("reason", "").strip():  # too long, say
            return self._left_as_it_was(request, obj, " ".join(form.errors["reason"]))
        else:
            reason = ""  # the service refuses it, saying that a reason is needed
        return self._after_decision(
            request, obj, lambda: self.refuse(request, obj, reason), self.refused_message(1)
        )

    # --- The bulk actions: the queue's actions call these -----------------------------------

    # The queue says: ``left_count_message`` (ngettext of how many were left and why),
    # ``none_waiting_message``, ``refuse_template`` and ``rows_name`` (the refusal page's).
    none_waiting_message = ""
    refuse_template = ""
    rows_name = "rows"

    def left_count_message(self, count: int, reason: str) -> str:
        raise NotImplementedError

    def _decide(self, request, rows, decide) -> int:
        decided, refused = 0, Counter()
        for row in rows:
            try:
                decide(row)
            except self.decision_error as refusal:
                refused[str(refusal)] += 1
            else:
                decided += 1
        for reason, count in refused.items():
            self.message_user(request, self.left_count_message(count, reason), messages.WARNING)
        return decided

    def publish_selected(self, request, rows) -> None:
        count = self._decide(request, rows, lambda row: self.publish(request, row))
        if count:
            self.message_user(request, self.published_message(count), messages.SUCCESS)

    def refuse_selected(self, request, rows):
        """First a page asking for the reason (required), then the refusals."""
        confirmed = "apply" in request.POST
        form = self.refuse_form(request.POST if confirmed else None)
        rows = list(rows)
        if confirmed and form.is_valid():
            reason = form.cleaned_data["reason"]
            count = self._decide(request, rows, lambda row: self.refuse(request, row, reason))
            if count:
                self.message_user(request, self.refused_message(count), messages.SUCCESS)
            return None
        rows = [row for row in rows if row.status == ReviewStatus.PENDING]
        if not rows:
            self.message_user(request, self.none_waiting_message, messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refuse with a reason"),
            "opts": self.opts,
            self.rows_name: rows,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(
            request, self.refuse_template, context, status=400 if form.is_bound else 200
        )
