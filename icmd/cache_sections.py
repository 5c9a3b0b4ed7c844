"""Which changes make which kept pages stale (common/pagecache.py keeps whole pages for
visitors who are not logged in; settings.PAGE_CACHE_PATHS says which sections each page
shows).

Saving or deleting a row of one of ``SECTIONS``' models (model signals, changes to their
many-to-many links, and ``common.signals.rows_changed`` for bulk writes) gives its section
a new generation once the transaction commits: the section's pages are rendered again at
their next request. Whoever saves (the admin, a service, the seed loader, an import) has
nothing to remember. The site search's pages follow the index, which the worker writes
after the content's commit: they change when a reindexing task finishes.

Like the home page's blocks (icmd/home.py), from which this takes the idea: a change is
forgotten once per transaction, after it commits, and the transaction that made it reads
the pages fresh until then.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.tasks.signals import task_finished

from blogs.models import BlogPost
from common import pagecache
from common.signals import rows_changed
from forums.models import Forum, Post, Topic
from icmd.models import Page
from learning.models import (
    Certificate,
    Choice,
    Cohort,
    Course,
    Lesson,
    LessonImage,
    Module,
    Question,
    Quiz,
)
from library.models import Attendance, Event, Resource, ResourceFile
from network.models import Member, Membership
from projects.models import Organisation, Partnership, Phase, Project, SelectionCriterion, Theme
from search.tasks import reindex

SECTIONS = {
    "catalogue": (Phase, Theme, SelectionCriterion, Organisation, Project, Partnership),
    "pages": (Page,),
    "forums": (Forum, Topic, Post),
    "blogs": (BlogPost,),
    "network": (Member, Membership),
    # Resources and their files (a file's text once extracted, its size and type).
    "library": (Resource, ResourceFile),
    # Events and how many say they will attend.
    "events": (Event, Attendance),
    # Courses, their outlines, lessons, quizzes and open cohorts; a certificate's public
    # verification page (a certificate is given, or deleted with its holder's account).
    "learning": (Course, Module, Lesson, LessonImage, Quiz, Question, Choice, Cohort, Certificate),
}
# Models whose rows no kept page shows (tests/icmd/test_page_cache.py checks that each model
# of the site's apps is in SECTIONS or here, so that a new one is never forgotten).
NOT_SHOWN = {
    "common.outgoingemail",
    "blogs.followernotice",
    "common.formsubmission",
    "common.ratecount",
    # The admin's IATI imports (what they import are rows of the catalogue).
    "projects.iatiimport",
    "projects.iatiimportactivity",
    # Moderators' and members' own: edit history, flags, what one has read, what one follows.
    "forums.postrevision",
    "forums.flag",
    "forums.readmark",
    "blogs.subscription",
    # What a member follows in the library (their own page, never kept).
    "library.libraryfollow",
    # The index: the search pages follow the task that writes it (``SEARCH``).
    "search.searchdocument",
    # A learner's own: where they are in a course, lessons done, quiz attempts (shown on
    # their pages, never kept: pages for members are never kept).
    "learning.enrolment",
    "learning.lessoncompletion",
    "learning.quizattempt",
}
# The section of the site search's pages, changed when the worker has reindexed.
SEARCH = "search"
# Saves of nothing but these fields change nothing a page shows (a member logging in; a
# download counted, which a kept page may show late by PAGE_CACHE_SECONDS at most).
UNSHOWN_FIELDS = {Member: {"last_login"}, ResourceFile: {"downloads"}}


def section_of_models() -> dict[type, str]:
    """Each model of ``SECTIONS``, and the automatic table of each of its many-to-many
    links (a project's themes), with its section."""
    sections = {}
    for section, models in SECTIONS.items():
        for model in models:
            sections[model] = section
            for field in model._meta.many_to_many:
                sections.setdefault(field.remote_field.through, section)
    return sections


SECTION_OF = section_of_models()


def shown_rows_changed(sender, update_fields=None, **kwargs) -> None:
    """Receiver of every model's saves and deletes (proxies such as the organisations to
    verify included, by their concrete model): the section of a row pages show has
    changed."""
    model = sender._meta.concrete_model
    section = SECTION_OF.get(model)
    if section is None:
        return
    if update_fields and set(update_fields) <= UNSHOWN_FIELDS.get(model, set()):
        return
    pagecache.changed(section)


def reindexed(sender, task_result, **kwargs) -> None:
    """Receiver of ``task_finished``: the worker has brought the search index up to date."""
    if task_result.task.module_path == reindex.module_path:
        pagecache.changed(SEARCH)


def connect() -> None:
    post_save.connect(shown_rows_changed, dispatch_uid="page-cache-saved")
    post_delete.connect(shown_rows_changed, dispatch_uid="page-cache-deleted")
    m2m_changed.connect(shown_rows_changed, dispatch_uid="page-cache-links")
    rows_changed.connect(shown_rows_changed, dispatch_uid="page-cache-rows-changed")
    task_finished.connect(reindexed, dispatch_uid="page-cache-reindexed")
