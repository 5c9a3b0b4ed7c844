"""The library's and the events' content in French, English and Spanish
(django-modeltranslation). See common/translation.py."""

from modeltranslation.translator import TranslationOptions, register

from library.models import Event, Resource


@register(Resource)
class ResourceTranslation(TranslationOptions):
    fields = ("title", "summary")


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("title", "description")
