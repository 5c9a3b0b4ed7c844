"""The e-learning pages: /<lang>/learning/…"""

from django.urls import path

from learning import cohort_views, image_views, quiz_views, views

app_name = "learning"

urlpatterns: list = [
    path("", views.catalogue, name="catalogue"),
    path("mine/", views.my_learning, name="mine"),
    # Pages of the other parts (quizzes, certificates, cohorts, offline modules, images) go
    # here, above the course's page, so that a course slug never hides them.
    path("images/<int:pk>/", image_views.image, name="image"),
    # Quizzes and certificates (quiz_views): a module's quiz, an attempt's result (its
    # owner's), the learner's certificate, and checking a certificate's code (public).
    path("<slug:course>/modules/<int:module>/quiz/", quiz_views.quiz, name="quiz"),
    path("quiz-results/<int:pk>/", quiz_views.quiz_result, name="quiz_result"),
    path("certificates/", quiz_views.verify_form, name="verify_form"),
    path("certificates/<str:code>/", quiz_views.verify, name="verify"),
    path("<slug:course>/certificate/", quiz_views.certificate, name="certificate"),
    # Cohorts (cohort_views): joining and leaving (POST), the facilitator's page of the
    # learners' progress and their email to them; a module as one file to read offline.
    path("cohorts/<int:pk>/", cohort_views.cohort, name="cohort"),
    path("cohorts/<int:pk>/email/", cohort_views.email, name="cohort_email"),
    path("cohorts/<int:pk>/enrol/", cohort_views.enrol, name="cohort_enrol"),
    path("cohorts/<int:pk>/leave/", cohort_views.leave, name="cohort_leave"),
    path(
        "<slug:course>/modules/<int:module>/offline/",
        cohort_views.offline_module,
        name="offline_module",
    ),
    # A course and its lessons: keep them last.
    path("<slug:slug>/", views.course_detail, name="course"),
    path("<slug:course>/lessons/<slug:slug>/", views.lesson_detail, name="lesson"),
    path("<slug:course>/lessons/<slug:slug>/done/", views.lesson_done, name="lesson_done"),
]
