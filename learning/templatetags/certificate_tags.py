"""The member's certificates, on their own profile page (``{% certificates_of member %}``)."""

from django import template

from learning.models import Certificate

register = template.Library()

# One certificate per course at most: the list is bounded by the courses, and cut here all
# the same.
CERTIFICATES_SHOWN = 50


@register.inclusion_tag("learning/profile_certificates.html", takes_context=True)
def certificates_of(context, member):
    """The certificates ``member`` earned, newest first, each linking to its page: shown
    to the member themselves only (nothing for anyone else). One query."""
    user = context["request"].user
    if not (user.is_authenticated and member is not None and user.pk == member.pk):
        return {"certificates": []}
    certificates = (
        Certificate.objects.filter(member=member)
        .select_related("course")
        .order_by("-issued_at", "-id")[:CERTIFICATES_SHOWN]
    )
    return {"certificates": list(certificates)}
