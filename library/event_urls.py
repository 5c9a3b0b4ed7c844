"""The events calendar's pages: /<lang>/events/…"""

from django.urls import path

app_name = "events"

urlpatterns: list = [
    # path("", event_views.upcoming, name="upcoming"), path("<slug:slug>/", …, name="event"), …
]
