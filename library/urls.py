"""The library's pages: /<lang>/library/…"""

from django.urls import path

from library import downloads, share_views, views

app_name = "library"

urlpatterns: list = [
    path("", views.resource_list, name="list"),
    path("files/<int:pk>/download/", downloads.download, name="download"),
    # Members share resources (reviewed by staff) and follow themes and countries.
    path("share/", share_views.share, name="share"),
    path("share/mine/", share_views.my_submissions, name="my_submissions"),
    path("follow/", share_views.follow, name="follow"),
    path("unsubscribe/<str:token>/", share_views.unsubscribe, name="unsubscribe"),
    # A resource's page: keep it last, so that a slug never hides a page above ("share/"…).
    path("<slug:slug>/", views.resource_detail, name="resource"),
]
