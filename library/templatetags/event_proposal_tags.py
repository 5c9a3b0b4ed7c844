"""The "Propose an event" link, shown where an organisation's representatives look for it
(the events calendar, their organisation's page), to those who may propose (one query for
a logged-in member, none for a visitor):

    {% load event_proposal_tags %}{% propose_event_link %}
    {% propose_event_link organisation as_item=True %}   (an <li>, for that organisation)
"""

from django import template

from library.event_services import represented_organisations

register = template.Library()


@register.inclusion_tag("events/partials/propose_link.html", takes_context=True)
def propose_event_link(context, organisation=None, as_item=False):
    user = getattr(context.get("request"), "user", None)
    may_propose = False
    if getattr(user, "is_authenticated", False):
        represented = represented_organisations(user)
        if organisation is not None:
            may_propose = organisation.verified and represented.filter(pk=organisation.pk).exists()
        else:
            may_propose = represented.exists()
    return {"may_propose": may_propose, "organisation": organisation, "as_item": as_item}
