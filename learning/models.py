"""E-learning: the initiative's training toolkit for local authorities and civil society,
as self-paced courses.

A course (``Course``) is made of modules (``Module``), a module of lessons (``Lesson``);
a module may end with a quiz (``Quiz``: ``Question``s with their ``Choice``s). A member
who starts a course has an ``Enrolment`` (possibly in a ``Cohort`` led by a facilitator);
each lesson they finish is a ``LessonCompletion``, each try at a quiz a ``QuizAttempt``
(graded on the server). Finishing every lesson and passing every quiz gives a
``Certificate`` with a verification code anyone can check. Staff write courses in the
admin in the three languages; a course is shown once published, which needs every lesson
to have content in at least one language. Every rule about them is decided in the
services of this app (``learning/services.py`` and the modules it names).
"""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.translation import TranslatedModel
from forums.models import Forum
from library.models import DOCUMENT_LANGUAGES, Resource
from projects.models import Project, Theme


class Audience(models.TextChoices):
    LOCAL_AUTHORITIES = "local_authorities", _("Local authorities")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    MIGRANT_ASSOCIATIONS = "migrant_associations", _("Migrant associations")
    ALL = "all", _("Everyone")


class Level(models.TextChoices):
    INTRODUCTORY = "introductory", _("Introductory")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class CourseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Course(TranslatedModel):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    audience = models.CharField(
        _("audience"), max_length=24, choices=Audience.choices, default=Audience.ALL
    )
    level = models.CharField(
        _("level"), max_length=16, choices=Level.choices, default=Level.INTRODUCTORY
    )
    estimated_hours = models.DecimalField(
        _("estimated hours"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(500)],
        default=1,
    )
    languages = ArrayField(
        models.CharField(max_length=8, choices=DOCUMENT_LANGUAGES),
        verbose_name=_("languages"),
        default=list,
        blank=True,
        help_text=_("The languages the course is written in."),
    )
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="courses", verbose_name=_("themes")
    )
    forum = models.ForeignKey(
        Forum,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("discussion forum"),
        help_text=_("The forum where learners discuss the course's lessons."),
    )
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[themes])
    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-published_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_hours__gte=0),
                name="course_hours_not_negative",
                violation_error_message=_("The estimated hours cannot be negative."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("learning:course", kwargs={"slug": self.slug})


class Module(TranslatedModel):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="modules", verbose_name=_("course")
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course", "order", "id"]

    def __str__(self):
        return self.title


class Lesson(TranslatedModel):
    """A page of a course: Markdown (sanitised like forum posts), images uploaded by staff
    (``LessonImage``), downloads from the library and projects as real-world cases."""

    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("module")
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    resources = models.ManyToManyField(
        Resource, blank=True, related_name="lessons", verbose_name=_("downloads")
    )
    projects = models.ManyToManyField(
        Project, blank=True, related_name="lessons", verbose_name=_("projects as cases")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["module__order", "module_id", "order", "id"]
        indexes = [models.Index(fields=["module", "order", "id"], name="lesson_module_order")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(
            "learning:lesson",
            kwargs={"course": self.module.course.slug, "slug": self.slug},
        )


def lesson_image_path(instance, filename: str) -> str:
    return f"learning/{instance.storage_name}"


class LessonImage(TranslatedModel):
    """An image staff uploaded for a course's lessons, checked by its content (PNG or
    JPEG), referred to from a lesson's Markdown by its address."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="images", verbose_name=_("course")
    )
    file = models.FileField(_("image"), upload_to=lesson_image_path, max_length=300)
    alt = models.CharField(
        _("text alternative"),
        max_length=300,
        help_text=_("What the image shows, for those who cannot see it."),
    )
    content_type = models.CharField(_("type of file"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    uploaded = models.DateTimeField(_("uploaded"), auto_now_add=True)

    storage_name = ""  # set before saving: a random name, the checked extension

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["course", "id"]

    def __str__(self):
        return self.alt


class Quiz(TranslatedModel):
    """The quiz that ends a module: passed at ``pass_mark`` percent of the questions right,
    tried as often as the learner wants."""

    module = models.OneToOneField(
        Module, on_delete=models.CASCADE, related_name="quiz", verbose_name=_("module")
    )
    introduction = models.TextField(_("introduction"), blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (percent)"),
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1, pass_mark__lte=100),
                name="quiz_pass_mark_percent",
                violation_error_message=_("The pass mark is a percentage, from 1 to 100."),
            ),
        ]

    def __str__(self):
        return str(self.module)


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("One answer")
    MULTIPLE = "multiple", _("Several answers")


class Question(TranslatedModel):
    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, related_name="questions", verbose_name=_("quiz")
    )
    text = models.TextField(_("question"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["quiz", "order", "id"]

    def __str__(self):
        return self.text


class Choice(TranslatedModel):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    text = models.CharField(_("answer"), max_length=500)
    correct = models.BooleanField(_("correct"), default=False)
    feedback = models.TextField(
        _("feedback"), blank=True, help_text=_("Shown to the learner who chose this answer.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question", "order", "id"]

    def __str__(self):
        return self.text


class Cohort(models.Model):
    """A group of learners taking a course together between two dates, led by a
    facilitator who sees their progress and can write to them."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="cohorts", verbose_name=_("course")
    )
    name = models.CharField(_("name"), max_length=150)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="facilitated_cohorts",
        verbose_name=_("facilitator"),
    )
    open_for_enrolment = models.BooleanField(_("open for enrolment"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="cohort_ends_after_start",
                violation_error_message=_("A cohort cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.course} — {self.name}"


class Enrolment(models.Model):
    """A member taking a course (from their first lesson done or their enrolment in a
    cohort): where they left off, and when they finished."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("member"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("course")
    )
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("cohort"),
    )
    last_lesson = models.ForeignKey(
        Lesson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last lesson opened"),
    )
    started = models.DateTimeField(_("started"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"), auto_now=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-last_seen", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "course"], name="enrolment_once"),
        ]
        indexes = [models.Index(fields=["member", "-last_seen"], name="enrolment_recent")]

    def __str__(self):
        return f"{self.member} — {self.course}"


class LessonCompletion(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_completions",
        verbose_name=_("member"),
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="completions", verbose_name=_("lesson")
    )
    completed_at = models.DateTimeField(_("done"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson done")
        verbose_name_plural = _("lessons done")
        constraints = [
            models.UniqueConstraint(fields=["member", "lesson"], name="lesson_done_once"),
        ]

    def __str__(self):
        return f"{self.member} — {self.lesson}"


class QuizAttempt(models.Model):
    """One try at a quiz, graded on the server: the answers given (``{question id: [choice
    ids]}``, only ids of the quiz's own choices), the score in percent, passed or not."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
        verbose_name=_("member"),
    )
    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("quiz")
    )
    answers = models.JSONField(_("answers"), default=dict)
    score = models.PositiveSmallIntegerField(_("score (percent)"))
    passed = models.BooleanField(_("passed"))
    created = models.DateTimeField(_("tried"), auto_now_add=True)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["member", "quiz", "passed"], name="attempt_member_quiz")]

    def __str__(self):
        return f"{self.member} — {self.quiz} ({self.score} %)"


def new_verification_code() -> str:
    """Twelve characters people can read out and type: no 0/O, 1/I/L."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


class Certificate(models.Model):
    """Given once a member has done every lesson and passed every quiz of a course (as it
    was then: a lesson added later does not take it back). Checkable by anyone with its
    code, which shows the name, the course and the date, nothing else."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certificates",
        verbose_name=_("member"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("course")
    )
    code = models.CharField(
        _("verification code"), max_length=16, unique=True, default=new_verification_code
    )
    name = models.CharField(_("name on the certificate"), max_length=150)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "course"], name="certificate_once"),
        ]

    def __str__(self):
        return f"{self.code} — {self.name} — {self.course}"

    def get_absolute_url(self):
        return reverse("learning:verify", kwargs={"code": self.code})
