from django.urls import path

from projects import api_docs, exports, views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list, name="list"),
    # Downloads of the filtered list (the same query string as the list) and of one project
    path("projects/export.csv", exports.projects_csv, name="csv"),
    path("projects/iati.xml", views.projects_iati, name="iati"),
    path("projects/<slug:slug>/", views.project_detail, name="detail"),
    path("projects/<slug:slug>/iati.xml", views.project_iati, name="project_iati"),
    path("countries/<str:code>/", views.country_detail, name="country"),
    path("statistics/", views.statistics, name="statistics"),
    # The documentation of the open-data API (the API itself is under /api/).
    path("open-data/api/", api_docs.api_docs, name="api_docs"),
]
