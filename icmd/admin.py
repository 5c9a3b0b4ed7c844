from django.contrib import admin

from common.admin import HistoryAdmin
from icmd.models import Page


@admin.register(Page)
class PageAdmin(HistoryAdmin):
    list_display = ["title", "slug", "language", "order", "updated"]
    list_filter = ["language"]
    search_fields = ["title", "body"]
    ordering = ["order", "slug", "language"]
