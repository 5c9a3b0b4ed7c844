"""The events calendar's pages: /<lang>/events/…"""

from django.urls import path

from library import event_views, proposal_views

app_name = "events"

urlpatterns = [
    path("", event_views.upcoming, name="upcoming"),
    path("past/", event_views.past, name="past"),
    # Organisations' representatives propose events; staff review them in the admin.
    path("propose/", proposal_views.propose_event, name="propose"),
    path("my-proposals/", proposal_views.my_proposals, name="my_proposals"),
    # The iCalendar feed of every upcoming event (RFC 5545), for calendar applications.
    path("calendar.ics", event_views.feed, name="feed"),
    path("<slug:slug>/", event_views.event_detail, name="event"),
    path("<slug:slug>/calendar.ics", event_views.event_ics, name="ics"),
    # POST: "I will attend" (or, with ``cancel``, "I will not attend any more").
    path("<slug:slug>/attend/", event_views.attend, name="attend"),
    # The organiser's pages: who attends, and an email to them all.
    path("<slug:slug>/attendees/", event_views.attendees, name="attendees"),
    path("<slug:slug>/attendees/email/", event_views.email_attendees, name="email_attendees"),
]
