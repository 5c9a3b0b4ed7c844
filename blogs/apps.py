from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlogsConfig(AppConfig):
    name = "blogs"
    verbose_name = _("Blogs and news")

    def ready(self):
        from blogs import member_data, notifications, services
        from common.outbox import register_writer
        from forums.signals import post_created
        from network.accounts import account_deleted, register_data_section

        register_data_section("blogs", member_data.member_blogs)
        account_deleted.connect(member_data.on_account_deleted, dispatch_uid="blogs")
        # A new forum post: its author follows the topic, and its followers are emailed.
        post_created.connect(services.on_post_created, dispatch_uid="blogs.post_created")
        # The worker writes their emails (one notice per post written with it).
        register_writer(notifications.write_follower_emails)
