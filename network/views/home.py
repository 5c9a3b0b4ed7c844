from django.shortcuts import render

from network.models import Member
from projects.models import Organisation


def network_home(request):
    """M4D Net's front door: what it is, how to join, the two directories."""
    return render(
        request,
        "network/home.html",
        {
            "member_count": Member.objects.visible_to(request.user).count(),
            "organisation_count": Organisation.objects.listed().count(),
        },
    )
