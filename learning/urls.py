"""The e-learning pages: /<lang>/learning/…"""

app_name = "learning"

urlpatterns: list = [
    # path("", views.catalogue, name="catalogue"), path("<slug:slug>/", …, name="course"),
    # path("<slug:course>/lessons/<slug:slug>/", …, name="lesson"),
    # path("certificates/<str:code>/", …, name="verify"), …
]
