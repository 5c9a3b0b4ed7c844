"""Members and organisations directories (being written)."""

from django.http import Http404


def member_directory(request):
    raise Http404


def organisation_directory(request):
    raise Http404
