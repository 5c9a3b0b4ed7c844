"""The library's pages: /<lang>/library/…"""

from django.urls import path

app_name = "library"

urlpatterns: list = [
    # path("", views.resource_list, name="list"), path("<slug:slug>/", …, name="resource"),
    # path("files/<int:pk>/download/", …, name="download"), …
]
