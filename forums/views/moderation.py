"""(being written)"""

from django.http import Http404


def flag_post(request, *args, **kwargs):
    raise Http404


def hide_post(request, *args, **kwargs):
    raise Http404


def unhide_post(request, *args, **kwargs):
    raise Http404


def post_history(request, *args, **kwargs):
    raise Http404


def moderate_topic(request, *args, **kwargs):
    raise Http404


def write_summary(request, *args, **kwargs):
    raise Http404


def flag_queue(request, *args, **kwargs):
    raise Http404


def resolve_flag(request, *args, **kwargs):
    raise Http404
