"""The pages a learner reads: the course catalogue (with its facets, as the project list),
a course's outline (where the learner is, their progress, "Start" or "Continue"), a lesson
(its text, images, downloads, projects as cases, "Previous" and "Next", "Mark as done",
"Discuss this lesson") and the member's own courses.

Who reads what is ``learning.progress.lesson_access``: a visitor reads every course's
outline and its first lesson, and is invited to log in or join (free) for the others. Each
page runs a fixed number of queries, whatever the number of courses, lessons, learners and
attempts (tests/learning/test_query_counts.py)."""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Window
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.facets import facet, facet_page, requested_facet, unknown_facet_notice
from common.pagination import paginate
from common.translation import localized_fields, natural_localized_order, text_in_language
from learning.filters import FACETS, SORTS, CourseFilter
from learning.images import render_lesson
from learning.models import Certificate, Course, Enrolment, Lesson, Module
from learning.progress import (
    course_access,
    course_progress,
    lesson_access,
    mark_lesson_done,
    ordered_lessons,
    progress_of_courses,
    record_visit,
)
from library.models import Resource, ResourceFile

COURSES_PER_PAGE = 20
ENROLMENTS_PER_PAGE = 20
# On a lesson's page, the downloads and the projects shown as cases (a lesson has few; the
# page still never lists an unbounded number of them).
DOWNLOADS_SHOWN = 20
CASES_SHOWN = 12


def listed_courses():
    """What a course of the catalogue shows: its themes and its modules' titles, in fixed
    queries."""
    modules = Module.objects.only("pk", "course_id", "order", *localized_fields("title"))
    return Course.objects.prefetch_related(
        "themes", Prefetch("modules", queryset=modules.order_by("order", "id"))
    )


def catalogue(request):
    """The published courses, filtered, a page at a time, beside their facets (audience,
    level, language, theme); for a member, their progress in each course of the page."""
    filterset = CourseFilter(request.GET, queryset=Course.objects.published())
    courses = filterset.filtered
    notices = filterset.ignored_filter_notices()
    asked = requested_facet(request, FACETS)
    if asked:
        return facet_page(
            request,
            asked,
            courses,
            selected=filterset.selected(asked.name),
            title=_("Learning"),
            list_url=reverse("learning:catalogue"),
            notices=notices,
        )
    if asked == "":
        notices.append(unknown_facet_notice(request))
    count = courses.count()
    page, page_notice = paginate(
        request,
        courses.order_by(*SORTS[filterset.sort_order]()),
        COURSES_PER_PAGE,
        count=count,
        rows=lambda keys: listed_courses().filter(pk__in=keys),
    )
    if page_notice:
        notices.append(page_notice)
    progress = {}
    if request.user.is_authenticated:
        progress = progress_of_courses(request.user, page.object_list)
    for course in page.object_list:
        course.progress = progress.get(course.pk)
    errors = filterset.errors
    facets = [
        facet(
            spec,
            courses,
            request.GET,
            selected=filterset.selected(name),
            errors=errors.get(name, ()),
        )
        for name, spec in FACETS.items()
    ]
    form = filterset.form
    return render(
        request,
        "learning/catalogue.html",
        {
            "filter": filterset,
            "form": form,
            "search_fields": [form["q"]],
            "other_fields": [form[name] for name in form.fields if name not in {"q", *FACETS}],
            "facets": facets,
            "page": page,
            "courses": page.object_list,
            "count": count,
            "active_filters": filterset.active_filters(),
            "notices": notices,
        },
    )


def visible_course(request, slug: str) -> Course:
    """The course of ``slug``: a published one for anybody, any for staff; else 404."""
    course = Course.objects.select_related("forum").filter(slug=slug).first()
    if course is None or not course_access(request.user, course):
        raise Http404(_("No such course."))
    return course


def outline(course, progress, *, modules=None, current=None) -> list[dict]:
    """The course's modules in order, each with its lessons (``done``, ``current``) and
    its quiz (id, passed), from what ``course_progress`` read: no query unless ``modules``
    is None and a module has no lesson (then the modules are read, one query)."""
    lessons_of = {}
    for lesson in progress.lessons:
        lesson.current = current is not None and lesson.pk == current.pk
        lessons_of.setdefault(lesson.module_id, []).append(lesson)
    if modules is None:
        modules = [lessons[0].module for lessons in lessons_of.values()]
        if set(progress.quiz_of_module) - set(lessons_of):
            modules = list(course.modules.order_by("order", "id"))
    return [
        {
            "module": module,
            "lessons": lessons_of.get(module.pk, []),
            "quiz": progress.quiz_of_module.get(module.pk),
            "quiz_passed": progress.quiz_of_module.get(module.pk) in progress.passed_quiz_ids,
            "current": current is not None and current.module_id == module.pk,
        }
        for module in modules
    ]


def quiz_url(course, module_id: int) -> str:
    return reverse("learning:quiz", kwargs={"course": course.slug, "module": module_id})


def course_detail(request, slug):
    """A course: what it is (audience, level, hours, languages, themes), its outline
    (modules, lessons, quizzes; for a member, what they did and where they are) and
    "Start" or "Continue"."""
    course = visible_course(request, slug)
    user = request.user
    modules = list(course.modules.order_by("order", "id"))
    progress = course_progress(user, course)
    enrolment = certificate = None
    if user.is_authenticated:
        enrolment = Enrolment.objects.filter(member=user, course=course).first()
        certificate = Certificate.objects.filter(member=user, course=course).first()
    lessons = progress.lessons
    last = None
    if enrolment is not None and enrolment.last_lesson_id:
        last = next((lesson for lesson in lessons if lesson.pk == enrolment.last_lesson_id), None)
    if progress.complete or not lessons:
        resume = lessons[0] if lessons else None
    else:
        resume = last or progress.next_lesson
    return render(
        request,
        "learning/course_detail.html",
        {
            "course": course,
            "themes": list(course.themes.all()),
            "outline": outline(course, progress, modules=modules, current=last),
            "progress": progress,
            "enrolment": enrolment,
            "certificate": certificate,
            "first_lesson": lessons[0] if lessons else None,
            "resume": resume,
            "started": enrolment is not None or progress.started,
        },
    )


def find_lesson(request, course: str, slug: str) -> Lesson:
    """The lesson ``slug`` of course ``course`` (its module and course attached), when the
    person may see the course; else 404."""
    lesson = (
        Lesson.objects.select_related("module__course__forum")
        .filter(slug=slug, module__course__slug=course)
        .first()
    )
    if lesson is None or not course_access(request.user, lesson.module.course):
        raise Http404(_("This course has no such lesson."))
    return lesson


def lesson_body(lesson) -> dict:
    """The lesson's text in the page's language (or the language it exists in, said so),
    as safe HTML: Markdown sanitised like a forum post's, with the course's images only."""
    found = text_in_language(lesson, "body")
    return {
        "html": mark_safe(render_lesson(found.text)),  # noqa: S308 - sanitised by nh3
        "language": found.language,
        "is_fallback": found.is_fallback,
    }


def lesson_downloads(lesson) -> list[Resource]:
    """The lesson's published library resources, each with its files: two queries."""
    files = ResourceFile.objects.defer("extracted_text", "extraction_error").order_by("language")
    return list(
        Resource.objects.published()
        .filter(lessons=lesson)
        .prefetch_related(Prefetch("files", queryset=files))
        .order_by(natural_localized_order("title"), "pk")[:DOWNLOADS_SHOWN]
    )


def lesson_cases(lesson) -> list:
    """The published projects the lesson takes as cases, with how many there are: one
    query."""
    return list(
        lesson.projects.published()
        .only("title", "slug", "country", "locality", *localized_fields("title"))
        .annotate(related=Window(Count("*")))
        .order_by(natural_localized_order("title"), "pk")[:CASES_SHOWN]
    )


def lesson_detail(request, course, slug):
    """A lesson: its text with its images, downloads and cases, "Previous" and "Next" (the
    module's quiz after its last lesson), the outline with this lesson marked, "Mark as
    done" and "Discuss this lesson". A visitor reads the course's first lesson only; for
    the others they are invited to log in or join."""
    lesson = find_lesson(request, course, slug)
    course = lesson.module.course
    lessons = ordered_lessons(course, member=request.user)
    if not lesson_access(request.user, lesson, first_lesson_id=lessons[0].pk):
        return render(
            request,
            "learning/lesson_login.html",
            {"course": course, "lesson": lesson, "first_lesson": lessons[0]},
            status=HTTPStatus.FORBIDDEN,
        )
    return lesson_page(request, lesson, lessons=lessons)


def lesson_page(request, lesson, *, lessons=None, record: bool = True):
    """The page of ``lesson`` (its module and course attached) as ``request.user`` reads
    it, once they may (``lesson_access``). ``record``: remember it as where the member
    left off (not for a preview in the admin)."""
    course = lesson.module.course
    user = request.user
    if lessons is None:
        lessons = ordered_lessons(course, member=user)
    progress = course_progress(user, course, lessons=lessons)
    position = next(index for index, item in enumerate(lessons) if item.pk == lesson.pk)
    lesson.done = lessons[position].done
    previous = lessons[position - 1] if position > 0 else None
    following = lessons[position + 1] if position + 1 < len(lessons) else None
    quiz_id = progress.quiz_of_module.get(lesson.module_id)
    # After the last lesson of a module comes its quiz, if it has one.
    module_quiz = None
    if quiz_id and (following is None or following.module_id != lesson.module_id):
        module_quiz = {
            "url": quiz_url(course, lesson.module_id),
            "passed": quiz_id in progress.passed_quiz_ids,
        }
    cases = lesson_cases(lesson)
    if record and user.is_authenticated and course.published:
        record_visit(member=user, lesson=lesson)
    return render(
        request,
        "learning/lesson_detail.html",
        {
            "course": course,
            "module": lesson.module,
            "lesson": lesson,
            "body": lesson_body(lesson),
            "downloads": lesson_downloads(lesson),
            "cases": cases,
            "cases_count": cases[0].related if cases else 0,
            "previous": previous,
            "next": following,
            "module_quiz": module_quiz,
            "outline": outline(course, progress, current=lesson),
            "progress": progress,
            "first_lesson_id": lessons[0].pk,
            "position": position + 1,
            "lessons_total": len(lessons),
            "member_may_mark": user.is_authenticated and course.published,
        },
    )


def step_after(lesson, progress) -> str:
    """Where a learner goes once ``lesson`` is done: its module's quiz after the module's
    last lesson (when there is one and it is not passed yet), else the next lesson, else
    the course's page."""
    lessons = progress.lessons
    position = next(index for index, item in enumerate(lessons) if item.pk == lesson.pk)
    following = lessons[position + 1] if position + 1 < len(lessons) else None
    course = lesson.module.course
    quiz_id = progress.quiz_of_module.get(lesson.module_id)
    last_of_module = following is None or following.module_id != lesson.module_id
    if quiz_id and last_of_module and quiz_id not in progress.passed_quiz_ids:
        return quiz_url(course, lesson.module_id)
    if following is not None:
        return following.get_absolute_url()
    return course.get_absolute_url()


@login_required
@require_POST
def lesson_done(request, course, slug):
    """ "Mark as done" (sent twice, it changes nothing more): then on to what comes next.
    Completing the course gives the certificate."""
    lesson = find_lesson(request, course, slug)
    if not lesson.module.course.published:
        raise Http404(_("This course is not published yet: its lessons cannot be done."))
    had_certificate = Certificate.objects.filter(
        member=request.user, course=lesson.module.course
    ).exists()
    progress = mark_lesson_done(member=request.user, lesson=lesson)
    if progress.complete and not had_certificate:
        messages.success(
            request,
            _("You have completed this course. Well done! Your certificate is on the course page."),
        )
        return redirect(lesson.module.course)
    messages.success(request, _("Lesson marked as done."))
    return redirect(step_after(lesson, progress))


@login_required
def my_learning(request):
    """The member's courses, the most recent first: their progress in each, where they
    left off, and their certificates."""
    enrolments = Enrolment.objects.filter(member=request.user, course__published=True)
    page, notice = paginate(
        request,
        enrolments.select_related("course", "last_lesson").order_by("-last_seen", "-id"),
        ENROLMENTS_PER_PAGE,
    )
    courses = [enrolment.course for enrolment in page.object_list]
    progress = progress_of_courses(request.user, courses)
    certified = set(
        Certificate.objects.filter(member=request.user, course__in=courses).values_list(
            "course_id", flat=True
        )
    )
    for enrolment in page.object_list:
        enrolment.progress = progress[enrolment.course_id]
        enrolment.certified = enrolment.course_id in certified
        enrolment.resume_url = enrolment.course.get_absolute_url()
        if enrolment.last_lesson is not None and not enrolment.progress.complete:
            enrolment.resume_url = reverse(
                "learning:lesson",
                kwargs={"course": enrolment.course.slug, "slug": enrolment.last_lesson.slug},
            )
    return render(
        request,
        "learning/my_learning.html",
        {"page": page, "enrolments": page.object_list, "notices": [notice] if notice else []},
    )
