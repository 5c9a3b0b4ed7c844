"""An organisation's page, and what its representatives do with it."""

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from projects.models import Organisation, natural_order


def organisation_detail(request, slug):
    organisation = get_object_or_404(Organisation.objects.listed(), slug=slug)
    partnerships = (
        organisation.partnerships.filter(project__published=True)
        .select_related("project")
        .order_by(natural_order("project__title"))
    )
    project_ids = [p.project_id for p in partnerships]
    partners = (
        Organisation.objects.filter(partnerships__project__in=project_ids)
        .exclude(pk=organisation.pk)
        .annotate(shared=Count("partnerships", filter=Q(partnerships__project__in=project_ids)))
        .order_by(natural_order("name"))
    )
    return render(
        request,
        "network/organisation_detail.html",
        {"organisation": organisation, "partnerships": partnerships, "partners": partners},
    )


def my_organisations(request):
    raise Http404  # being written


def edit_organisation(request, slug):
    raise Http404  # being written


def manage_members(request, slug):
    raise Http404  # being written
