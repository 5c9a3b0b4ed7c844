"""Forum names and descriptions in French, English and Spanish (django-modeltranslation).
What members write stays in its author's language (the ``language`` of topics and posts)."""

from modeltranslation.translator import TranslationOptions, register

from forums.models import Forum


@register(Forum)
class ForumTranslation(TranslationOptions):
    fields = ("name", "description")
