"""(being written)"""

from django.contrib.syndication.views import Feed
from django.http import Http404


def follow(request, *args, **kwargs):
    raise Http404


def my_subscriptions(request, *args, **kwargs):
    raise Http404


def unsubscribe(request, *args, **kwargs):
    raise Http404


def blog_index(request, *args, **kwargs):
    raise Http404


def write_blog_post(request, *args, **kwargs):
    raise Http404


def blog_author(request, *args, **kwargs):
    raise Http404


def blog_post(request, *args, **kwargs):
    raise Http404


def edit_blog_post(request, *args, **kwargs):
    raise Http404


def news_index(request, *args, **kwargs):
    raise Http404


def news_post(request, *args, **kwargs):
    raise Http404


class BlogRssFeed(Feed):
    title = link = description = ""

    def items(self):
        return []


class BlogAtomFeed(Feed):
    title = link = description = ""

    def items(self):
        return []


class NewsRssFeed(Feed):
    title = link = description = ""

    def items(self):
        return []


class NewsAtomFeed(Feed):
    title = link = description = ""

    def items(self):
        return []
