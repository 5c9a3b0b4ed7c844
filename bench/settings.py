"""Settings of the load benchmark (bench/load.py): the site's own, with the URLs of
bench/urls.py (the site's, plus a bare view to compare every page with). The site never
uses this module: only the benchmark's server and process select it
(``DJANGO_SETTINGS_MODULE=bench.settings``)."""

from icmd.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
