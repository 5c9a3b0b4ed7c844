from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.translation import TranslatedModel


class PageKind(models.TextChoices):
    """What a page is for. The about pages make the "About the initiative" menu; the
    privacy notice and the terms of use are one page each, at their own address
    (/<lang>/privacy/, /<lang>/terms/), linked from the footer and the sign-up form."""

    ABOUT = "about", _("About the initiative")
    PRIVACY = "privacy", _("Privacy notice")
    TERMS = "terms", _("Terms of use")


class PageQuerySet(models.QuerySet):
    def about(self):
        """The pages of the "About the initiative" menu."""
        return self.filter(kind=PageKind.ABOUT)

    def single(self, kind: str):
        """The privacy notice or the terms of use: the one page of ``kind`` (None when
        there is none, before the seed is loaded)."""
        return self.filter(kind=kind).first()

    def terms_version(self) -> str:
        """The version of the terms of use in force ("" before there are terms)."""
        return self.filter(kind=PageKind.TERMS).values_list("version", flat=True).first() or ""


class Page(TranslatedModel):
    """A page of the site, written in Markdown by staff in French, English and Spanish
    (``title_fr``, ``title_en``… see icmd/translation.py): an about page, the privacy
    notice or the terms of use (``kind``)."""

    slug = models.SlugField(_("slug"), unique=True)
    kind = models.CharField(
        _("kind of page"),
        max_length=16,
        choices=PageKind.choices,
        default=PageKind.ABOUT,
        help_text=_(
            "About pages make the “About the initiative” menu; there is one privacy notice "
            "and one terms of use page, each at its own address."
        ),
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("body"), help_text=_("Markdown: paragraphs, lists, links."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    version = models.CharField(
        _("version"),
        max_length=40,
        blank=True,
        help_text=_(
            "Terms of use: change it (for example to today’s date) when the rules change in "
            "substance, not for a typo. Each member’s account records the version they "
            "accepted when signing up."
        ),
    )
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    objects = PageQuerySet.as_manager()

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["order", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=~Q(kind=PageKind.ABOUT),
                name="page_one_privacy_notice_and_one_terms",
                violation_error_message=_(
                    "There is already a page of this kind: edit that one instead."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        if self.kind == PageKind.PRIVACY:
            return reverse("privacy")
        if self.kind == PageKind.TERMS:
            return reverse("terms")
        return reverse("about", kwargs={"slug": self.slug})
