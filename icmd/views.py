from django.http import Http404
from django.shortcuts import redirect, render

from common.translation import text_in_language
from icmd.models import Page
from icmd.search import (
    SECTIONS_BY_KEY,
    SearchForm,
    has_searchable_words,
    search_all,
    search_section,
)
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


def search(request):
    """Site-wide search (icmd/search.py): every section's best results, or one section
    paginated with ?kind=. Bad input gets a message and a 400, never a 500."""
    form = SearchForm(request.GET or None)
    context = {"form": form, "sections": [], "words": "", "section": None}
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound and form.cleaned_data["q"]:
        words = context["words"] = form.cleaned_data["q"]
        section = SECTIONS_BY_KEY.get(form.cleaned_data["kind"])
        if not has_searchable_words(words):
            context["nothing_to_search"] = True
        elif section:
            context["section"] = search_section(request, words, section)
        else:
            context["sections"] = search_all(words)
    return render(request, "icmd/search.html", context, status=status)
