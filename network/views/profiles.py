"""Member profiles and a member's own data (being written)."""

from django.http import Http404


def member_profile(request, slug):
    raise Http404


def contact_member(request, slug):
    raise Http404


def my_profile(request):
    raise Http404


def edit_profile(request):
    raise Http404


def export_my_data(request):
    raise Http404


def delete_account(request):
    raise Http404
