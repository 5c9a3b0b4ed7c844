"""The catalogue's content in French, English and Spanish (django-modeltranslation): one
column per language for what people read. See common/translation.py.

The history kept of projects and organisations (django-simple-history) has the same
columns, so that a change to a translation is recorded like any other."""

from modeltranslation.translator import TranslationOptions, register

from projects.models import Organisation, Phase, Project, SelectionCriterion, Theme


@register(Phase)
class PhaseTranslation(TranslationOptions):
    fields = ("name",)


@register(Theme)
class ThemeTranslation(TranslationOptions):
    fields = ("name",)


@register(SelectionCriterion)
class SelectionCriterionTranslation(TranslationOptions):
    fields = ("name",)


@register([Organisation, Organisation.history.model])
class OrganisationTranslation(TranslationOptions):
    """An organisation's name is translated only where it has an official translation
    (a municipality, a ministry); other names stay as they are in every language."""

    fields = ("name", "description")


@register([Project, Project.history.model])
class ProjectTranslation(TranslationOptions):
    fields = ("title", "locality", "objective", "description")
