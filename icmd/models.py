from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PageQuerySet(models.QuerySet):
    def in_language(self, language: str):
        """One version of each page: the one in ``language``, else the French original."""
        wanted = [language, settings.LANGUAGE_CODE]
        pages = {}
        for page in self.filter(language__in=wanted).order_by("order", "slug"):
            if page.slug not in pages or page.language == language:
                pages[page.slug] = page
        return list(pages.values())


class Page(models.Model):
    """A page about the initiative, written in Markdown by staff, one row per language."""

    slug = models.SlugField(_("slug"))
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("body"), help_text=_("Markdown: paragraphs, lists, links."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()
    objects = PageQuerySet.as_manager()

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["order", "slug", "language"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "language"], name="page_unique_per_language")
        ]

    def __str__(self):
        return f"{self.title} ({self.language})"

    def get_absolute_url(self):
        return reverse("about", kwargs={"slug": self.slug})
