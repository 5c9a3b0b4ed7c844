from django.http import Http404
from django.shortcuts import redirect, render

from common.translation import text_in_language
from icmd.models import Page
from projects.models import Phase, Project


def home(request):
    return render(
        request,
        "icmd/home.html",
        {
            "totals": Project.objects.published().totals(),
            "phases": Phase.objects.all(),
            "pages": Page.objects.all(),
        },
    )


def about(request, slug=None):
    pages = list(Page.objects.all())
    if not pages:
        raise Http404
    if slug is None:
        return redirect("about", slug=pages[0].slug)
    page = next((p for p in pages if p.slug == slug), None)
    if page is None:
        raise Http404
    return render(
        request,
        "icmd/about.html",
        {"page": page, "pages": pages, "body": text_in_language(page, "body")},
    )
