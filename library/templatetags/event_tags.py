"""Events shown on other pages (the home page: ``{% upcoming_events %}``) and the small
pieces every event page uses: where it takes place, in which languages."""

from django import template
from django.utils.translation import gettext as _

from library import event_times
from library.models import DOCUMENT_LANGUAGES, Event

register = template.Library()

HOME_EVENTS_SHOWN = 3
LANGUAGE_NAMES = dict(DOCUMENT_LANGUAGES)


@register.inclusion_tag("events/partials/upcoming_events.html", takes_context=True)
def upcoming_events(context, count=HOME_EVENTS_SHOWN):
    """``{% upcoming_events %}``: the next published events (three by default), each with
    its times in words (in the visitor's chosen zone too), in two queries."""
    request = context.get("request")
    zone = event_times.visitor_zone(request) if request is not None else event_times.UTC
    events = list(Event.objects.published().upcoming().for_listing()[: int(count)])
    for event in events:
        event.times = event_times.event_times(event, zone)
    return {"events": events}


@register.filter
def event_place(event) -> str:
    """ "Online", "Dakar, Senegal", or both for an event with a room and a link."""
    place = ", ".join(part for part in (event.city, event.country.name) if part)
    if event.online:
        return _("Online and in %(place)s") % {"place": place} if place else _("Online")
    return place


@register.filter
def event_languages(codes) -> str:
    """The names of an event's languages, in the page's language: "French, English"."""
    return ", ".join(str(LANGUAGE_NAMES.get(code, code)) for code in codes or ())
