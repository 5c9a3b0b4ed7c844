from django.contrib import admin

from common.admin import HistoryAdmin, TranslatedAdmin
from common.translation import localized_fields
from icmd.models import Page


@admin.register(Page)
class PageAdmin(TranslatedAdmin, HistoryAdmin):
    list_display = ["title", "slug", "order", "updated"]
    search_fields = [*localized_fields("title"), *localized_fields("body")]
    ordering = ["order", "slug"]
    prepopulated_fields = {"slug": ["title"]}
