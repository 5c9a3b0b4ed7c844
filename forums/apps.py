from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    name = "forums"
    verbose_name = _("Forums")

    def ready(self):
        from forums import member_data
        from network.accounts import account_deleted, register_data_section

        register_data_section("forums", member_data.member_writings)
        account_deleted.connect(member_data.on_account_deleted, dispatch_uid="forums")
