"""Forum names and descriptions, and news, in French, English and Spanish
(django-modeltranslation). What members write stays in its author's language (the
``language`` of topics, posts and blog posts: see ``BlogPost.set_text``)."""

from modeltranslation.translator import TranslationOptions, register

from forums.models import BlogPost, Forum


@register(Forum)
class ForumTranslation(TranslationOptions):
    fields = ("name", "description")


@register(BlogPost)
class BlogPostTranslation(TranslationOptions):
    fields = ("title", "summary", "body", "body_html")
