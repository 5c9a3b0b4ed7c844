from django.contrib import admin

from common.admin import HistoryAdmin, TranslatedAdmin
from common.translation import localized_fields
from icmd.models import Page, PageKind


@admin.register(Page)
class PageAdmin(TranslatedAdmin, HistoryAdmin):
    """About pages, the privacy notice and the terms of use. A new page is an about page;
    the privacy notice and the terms of use come with the seed and cannot be deleted (the
    footer and the sign-up form link them); only the terms have a version."""

    list_display = ["title", "kind", "slug", "order", "version", "updated"]
    list_filter = ["kind"]
    search_fields = [*localized_fields("title"), *localized_fields("body")]
    ordering = ["kind", "order", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["kind"]

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if obj is None or obj.kind != PageKind.TERMS:
            exclude.append("version")
        return exclude

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.kind != PageKind.ABOUT:
            return False
        return super().has_delete_permission(request, obj)
