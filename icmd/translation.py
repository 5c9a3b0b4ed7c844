"""The pages about the initiative in French, English and Spanish (django-modeltranslation),
with their history."""

from modeltranslation.translator import TranslationOptions, register

from icmd.models import Page


@register([Page, Page.history.model])
class PageTranslation(TranslationOptions):
    fields = ("title", "summary", "body")
