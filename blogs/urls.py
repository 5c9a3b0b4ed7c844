from django.urls import path

from blogs import views

app_name = "blogs"

# Included before forums.urls: /forums/follow/ and /forums/subscriptions/ are not forums
# (forums.urls ends with /forums/<slug>/, which would take any word).
urlpatterns = [
    # Following, and leaving with one click from an email
    path("forums/follow/", views.follow, name="follow"),
    path("forums/subscriptions/", views.my_subscriptions, name="subscriptions"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # Blogs ("M&D goes local") and news
    path("blog/", views.blog_index, name="blog"),
    path("blog/write/", views.write_blog_post, name="blog_new"),
    path("blog/feed/rss/", views.BlogRssFeed(), name="blog_rss"),
    path("blog/feed/atom/", views.BlogAtomFeed(), name="blog_atom"),
    path("blog/authors/<slug:slug>/", views.blog_author, name="blog_author"),
    path("blog/<slug:slug>/", views.blog_post, name="blog_post"),
    path("blog/<slug:slug>/edit/", views.edit_blog_post, name="blog_edit"),
    path("news/", views.news_index, name="news"),
    path("news/feed/rss/", views.NewsRssFeed(), name="news_rss"),
    path("news/feed/atom/", views.NewsAtomFeed(), name="news_atom"),
    path("news/<slug:slug>/", views.news_post, name="news_post"),
]
