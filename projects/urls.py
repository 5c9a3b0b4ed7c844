from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/<slug:slug>/", views.project_detail, name="detail"),
    path("countries/<str:code>/", views.country_detail, name="country"),
    path("statistics/", views.statistics, name="statistics"),
]
