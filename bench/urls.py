"""The site's URLs plus ``/bare/``: the smallest Django view, answered through the same
middleware and the same server as every page, so that a page's throughput can be given
as a share of what the stack itself allows (bench/load.py, selected by bench/settings.py)."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from icmd import urls as site_urls


@require_GET
def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bare/", bare, name="bench_bare"), *site_urls.urlpatterns]

# The site's error pages, if it names its own.
for _handler in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(site_urls, _handler):
        globals()[_handler] = getattr(site_urls, _handler)
