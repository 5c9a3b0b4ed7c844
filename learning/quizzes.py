"""The quizzes that end modules, graded on the server.

A learner answers a module's quiz on its page (``learning.quiz_views``): each question is a
field named ``question-<question id>`` holding the ids of the chosen answers. ``grade``
reads what was sent, keeps only what is an answer of that question (anything else, an id
of another question or quiz, a word, is ignored), stores the attempt and gives the score:

- a question is right when the answers chosen are exactly its correct answers (a question
  with one answer to choose, sent with two, is wrong);
- the score is the questions right out of the quiz's questions, in percent rounded down;
- the quiz is passed at ``Quiz.pass_mark`` percent or more.

Retries are unlimited: each try is a ``QuizAttempt``. A pass may complete the course: the
learner's enrolment is then marked completed and the certificate given
(``learning.progress.update_completion``, ``learning.certificates.issue_if_complete``).
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from learning.models import Choice, Question, QuestionKind, Quiz, QuizAttempt
from learning.progress import update_completion

# The longest id a field may name: anything longer is not one of ours.
_ID_DIGITS = 18


class QuizError(Exception):
    """A try at a quiz that the rules refuse; its message is for the person."""


def answer_field(question_id: int) -> str:
    """The name of the form field holding the answers to a question."""
    return f"question-{question_id}"


def quiz_access(member, quiz: Quiz) -> bool:
    """Who may take ``quiz`` (its module and course attached): a member, in a published
    course; staff, in any course (to try it before publishing)."""
    if not (getattr(member, "is_authenticated", False) and member.is_active):
        return False
    return member.is_staff or quiz.module.course.published


def questions_of(quiz: Quiz) -> list[Question]:
    """The quiz's questions in order, each with its answers in order: two queries."""
    choices = Choice.objects.order_by("order", "id")
    return list(
        Question.objects.filter(quiz=quiz)
        .order_by("order", "id")
        .prefetch_related(Prefetch("choices", queryset=choices))
    )


def _as_id(raw) -> int | None:
    """``raw`` as an id when it is one (ASCII digits: "²" is a digit to Python, not to
    ``int``), else None."""
    raw = str(raw).strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= _ID_DIGITS:
        return int(raw)
    return None


def _sent_values(submitted, name: str) -> list:
    if hasattr(submitted, "getlist"):
        return submitted.getlist(name)
    value = submitted.get(name, [])
    return list(value) if isinstance(value, list | tuple) else [value]


def chosen_answers(question: Question, submitted) -> list[int]:
    """The ids of ``question``'s answers among the values sent for it, in order, each
    once; anything that is not one of its answers is left out."""
    own = {choice.pk for choice in question.choices.all()}
    chosen = {_as_id(raw) for raw in _sent_values(submitted, answer_field(question.pk))}
    return sorted(own & chosen)


def is_right(question: Question, chosen) -> bool:
    """Whether ``chosen`` (ids of the question's answers) is exactly its correct answers;
    two answers to a question with one to choose are wrong."""
    chosen = set(chosen)
    if question.kind == QuestionKind.SINGLE and len(chosen) > 1:
        return False
    return chosen == {choice.pk for choice in question.choices.all() if choice.correct}


@dataclass(frozen=True)
class Grade:
    answers: dict  # {"question id": [choice ids]}, every question of the quiz
    right: int
    total: int

    @property
    def score(self) -> int:
        return 100 * self.right // self.total if self.total else 0


def score_answers(questions: list[Question], submitted) -> Grade:
    """The answers sent to ``questions`` (``questions_of``), cleaned, and how many are
    right. No query."""
    answers, right = {}, 0
    for question in questions:
        chosen = chosen_answers(question, submitted)
        answers[str(question.pk)] = chosen
        right += is_right(question, chosen)
    return Grade(answers=answers, right=right, total=len(questions))


@transaction.atomic
def grade(*, member, quiz: Quiz, submitted, questions: list[Question] | None = None):
    """Grade ``member``'s answers to ``quiz`` (``submitted``: the form's data, a
    ``QueryDict``) and store the attempt; a pass that completes the course gives its
    certificate. ``quiz`` comes with its module and course; ``questions`` (from
    ``questions_of``) saves asking for them again. Refuses with ``QuizError``."""
    if not quiz_access(member, quiz):
        raise QuizError(_("Log in to take this quiz."))
    if questions is None:
        questions = questions_of(quiz)
    if not questions:
        raise QuizError(_("This quiz has no questions yet."))
    result = score_answers(questions, submitted)
    attempt = QuizAttempt.objects.create(
        member=member,
        quiz=quiz,
        answers=result.answers,
        score=result.score,
        passed=result.score >= quiz.pass_mark,
    )
    if attempt.passed:
        update_completion(member=member, course=quiz.module.course)
    return attempt


@dataclass(frozen=True)
class AnsweredQuestion:
    """A question of an attempt as its result page shows it."""

    question: Question
    number: int
    chosen: list  # the answers chosen (``Choice``), in the question's order
    right: bool


def answered_questions(attempt: QuizAttempt, questions: list[Question]) -> list:
    """Each question of the quiz with the answers ``attempt`` chose and whether they were
    right. A question added after the attempt shows with no answer."""
    shown = []
    for number, question in enumerate(questions, start=1):
        ids = set(attempt.answers.get(str(question.pk), []))
        chosen = [choice for choice in question.choices.all() if choice.pk in ids]
        shown.append(
            AnsweredQuestion(
                question=question,
                number=number,
                chosen=chosen,
                right=is_right(question, [choice.pk for choice in chosen]),
            )
        )
    return shown
