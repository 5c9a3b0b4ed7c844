from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learning"
    verbose_name = _("E-learning")

    def ready(self):
        from learning import member_data
        from network.accounts import account_deleted, register_data_section

        # A member's learning in their data export, and deleted with their account.
        register_data_section("learning", member_data.member_learning)
        account_deleted.connect(member_data.on_account_deleted, dispatch_uid="learning")
