"""News in French, English and Spanish (django-modeltranslation). What members write
stays in its author's language (``BlogPost.language``: see ``BlogPost.set_text``)."""

from modeltranslation.translator import TranslationOptions, register

from blogs.models import BlogPost


@register(BlogPost)
class BlogPostTranslation(TranslationOptions):
    fields = ("title", "summary", "body", "body_html")
