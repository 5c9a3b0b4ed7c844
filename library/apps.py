from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "library"
    verbose_name = _("Library and events")

    def ready(self):
        from datetime import timedelta

        from common.periodic import register_periodic
        from library import event_services, member_data, services
        from network.accounts import account_deleted, register_data_section

        # The daily digest to followers of themes and countries, written by the worker.
        register_periodic("library.digests", services.send_due_digests, every=timedelta(minutes=5))
        # The reminders a day before each event, to its attendees (library/event_services.py).
        register_periodic(
            "library.event-reminders", event_services.queue_reminders, every=timedelta(minutes=5)
        )
        register_data_section("library", member_data.member_library)
        account_deleted.connect(member_data.on_account_deleted, dispatch_uid="library")

        # Each project's published resources in its IATI activity (projects/iati/links.py).
        from library.iati import DOCUMENTS
        from projects.iati import links

        links.register(DOCUMENTS)
