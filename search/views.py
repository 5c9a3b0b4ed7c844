from django.shortcuts import render

from search.query import (
    SECTIONS_BY_KEY,
    SearchForm,
    search_all,
    search_section,
    searchable_query,
)


def search(request):
    """Site-wide search (search/query.py): every section's best results, or one section
    paginated with ?kind=. Bad input gets a message and a 400, never a 500."""
    form = SearchForm(request.GET or None)
    context = {"form": form, "sections": [], "words": "", "section": None}
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound and form.cleaned_data["q"]:
        words = context["words"] = form.cleaned_data["q"]
        section = SECTIONS_BY_KEY.get(form.cleaned_data["kind"])
        query = searchable_query(words)
        if not query:
            context["nothing_to_search"] = True
        elif section:
            context["section"] = search_section(request, words, query, section)
        else:
            context["sections"] = search_all(words, query)
    return render(request, "search/search.html", context, status=status)
