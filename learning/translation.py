"""The courses in French, English and Spanish (django-modeltranslation), side by side in
the admin. The history kept of courses, modules, lessons and quizzes has the same columns.
See common/translation.py."""

from modeltranslation.translator import TranslationOptions, register

from learning.models import Choice, Course, Lesson, LessonImage, Module, Question, Quiz


@register([Course, Course.history.model])
class CourseTranslation(TranslationOptions):
    fields = ("title", "summary")


@register([Module, Module.history.model])
class ModuleTranslation(TranslationOptions):
    fields = ("title", "summary")


@register([Lesson, Lesson.history.model])
class LessonTranslation(TranslationOptions):
    fields = ("title", "body")


@register([Quiz, Quiz.history.model])
class QuizTranslation(TranslationOptions):
    fields = ("introduction",)


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("text",)


@register(Choice)
class ChoiceTranslation(TranslationOptions):
    fields = ("text", "feedback")


@register(LessonImage)
class LessonImageTranslation(TranslationOptions):
    fields = ("alt",)
