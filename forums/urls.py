from django.urls import path

from forums.views import moderation, topics

app_name = "forums"

urlpatterns = [
    # Reading and writing in the forums
    path("forums/", topics.forum_index, name="index"),
    path("forums/preview/", topics.preview, name="preview"),
    path("forums/topics/<slug:slug>/", topics.topic_detail, name="topic"),
    path("forums/topics/<slug:slug>/unread/", topics.topic_unread, name="topic_unread"),
    path("forums/topics/<slug:slug>/reply/", topics.reply, name="reply"),
    path("forums/posts/<int:pk>/", topics.post_redirect, name="post"),
    path("forums/posts/<int:pk>/edit/", topics.edit_post, name="edit_post"),
    # Moderation and e-discussions
    path("forums/posts/<int:pk>/flag/", moderation.flag_post, name="flag_post"),
    path("forums/posts/<int:pk>/hide/", moderation.hide_post, name="hide_post"),
    path("forums/posts/<int:pk>/unhide/", moderation.unhide_post, name="unhide_post"),
    path("forums/posts/<int:pk>/history/", moderation.post_history, name="post_history"),
    path("forums/topics/<slug:slug>/moderate/", moderation.moderate_topic, name="moderate_topic"),
    path("forums/topics/<slug:slug>/summary/", moderation.write_summary, name="summary"),
    path("forums/moderation/flags/", moderation.flag_queue, name="flags"),
    path("forums/moderation/flags/<int:pk>/", moderation.resolve_flag, name="resolve_flag"),
    # Topics of a forum (last: a forum's slug is any word but those above, and those of
    # blogs.urls, included before this)
    path("forums/<slug:slug>/", topics.forum_detail, name="forum"),
    path("forums/<slug:slug>/new/", topics.new_topic, name="new_topic"),
]
