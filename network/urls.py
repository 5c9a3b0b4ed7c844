from django.urls import path

from network.views import directory, home, organisations, profiles

app_name = "network"

urlpatterns = [
    path("", home.network_home, name="home"),
    # Directories
    path("members/", directory.member_directory, name="members"),
    path("organisations/", directory.organisation_directory, name="organisations"),
    # Profiles and a member's own data
    path("members/<slug:slug>/", profiles.member_profile, name="member"),
    path("members/<slug:slug>/contact/", profiles.contact_member, name="contact"),
    path("me/", profiles.my_profile, name="me"),
    path("me/edit/", profiles.edit_profile, name="edit_profile"),
    path("me/export/", profiles.export_my_data, name="export"),
    path("me/delete/", profiles.delete_account, name="delete_account"),
    # Organisations: joining one, and what representatives do
    path("me/organisations/", organisations.my_organisations, name="my_organisations"),
    path(
        "organisations/<slug:slug>/edit/",
        organisations.edit_organisation,
        name="edit_organisation",
    ),
    path(
        "organisations/<slug:slug>/members/",
        organisations.manage_members,
        name="manage_members",
    ),
]
