"""(being written)"""

from django.http import Http404


def forum_index(request, *args, **kwargs):
    raise Http404


def preview(request, *args, **kwargs):
    raise Http404


def topic_detail(request, *args, **kwargs):
    raise Http404


def topic_unread(request, *args, **kwargs):
    raise Http404


def reply(request, *args, **kwargs):
    raise Http404


def post_redirect(request, *args, **kwargs):
    raise Http404


def edit_post(request, *args, **kwargs):
    raise Http404


def forum_detail(request, *args, **kwargs):
    raise Http404


def new_topic(request, *args, **kwargs):
    raise Http404
