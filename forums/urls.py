from django.urls import path

from forums.views import blogs, moderation, topics

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
    # Following, and leaving with one click from an email
    path("forums/follow/", blogs.follow, name="follow"),
    path("forums/subscriptions/", blogs.my_subscriptions, name="subscriptions"),
    path("unsubscribe/<str:token>/", blogs.unsubscribe, name="unsubscribe"),
    # Blogs ("M&D goes local") and news
    path("blog/", blogs.blog_index, name="blog"),
    path("blog/write/", blogs.write_blog_post, name="blog_new"),
    path("blog/feed/rss/", blogs.BlogRssFeed(), name="blog_rss"),
    path("blog/feed/atom/", blogs.BlogAtomFeed(), name="blog_atom"),
    path("blog/authors/<slug:slug>/", blogs.blog_author, name="blog_author"),
    path("blog/<slug:slug>/", blogs.blog_post, name="blog_post"),
    path("blog/<slug:slug>/edit/", blogs.edit_blog_post, name="blog_edit"),
    path("news/", blogs.news_index, name="news"),
    path("news/feed/rss/", blogs.NewsRssFeed(), name="news_rss"),
    path("news/feed/atom/", blogs.NewsAtomFeed(), name="news_atom"),
    path("news/<slug:slug>/", blogs.news_post, name="news_post"),
    # Topics of a forum (last: a forum's slug is any word but those above)
    path("forums/<slug:slug>/", topics.forum_detail, name="forum"),
    path("forums/<slug:slug>/new/", topics.new_topic, name="new_topic"),
]
