"""Certificates: given to a member who has done every lesson and passed every quiz of a
published course, and checkable by anyone with their code.

- ``issue_if_complete`` gives the certificate when the course is complete (called after a
  lesson is done and after a quiz is passed). The name on it is the member's name at that
  moment. Once given, a certificate is never taken back: a lesson added to the course
  later reopens the learner's progress, not their certificate.
- ``verify`` finds the certificate of a code as a person types it (lower case, spaces and
  dashes allowed: "abcd-efgh-jkmn"). The public page shows its name, course and date,
  nothing else.
"""

from django.db import IntegrityError, transaction

from learning.models import Certificate, Course
from learning.progress import course_progress

# The characters of a code (``learning.models.new_verification_code``): no 0/O, 1/I/L.
CODE_ALPHABET = frozenset("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
CODE_LENGTH = 12
# Codes are drawn at random: two the same are unlikely, and each clash draws again.
_DRAWS = 5


def normalise_code(raw) -> str | None:
    """The code ``raw`` as stored (upper case, without spaces or dashes), or None when it
    cannot be a code (wrong length, a character codes never have)."""
    if not isinstance(raw, str) or len(raw) > 4 * CODE_LENGTH:
        return None
    code = "".join(raw.split()).replace("-", "").replace("\u2010", "").upper()
    if len(code) != CODE_LENGTH or not set(code) <= CODE_ALPHABET:
        return None
    return code


def display_code(code: str) -> str:
    """A code as people read it aloud or copy it: in groups of four ("ABCD-EFGH-JKMN")."""
    return "-".join(code[start : start + 4] for start in range(0, len(code), 4))


def verify(code) -> Certificate | None:
    """The certificate of ``code`` (as typed, see ``normalise_code``), with its course;
    None when the code is malformed (no query then) or unknown."""
    code = normalise_code(code)
    if code is None:
        return None
    return Certificate.objects.select_related("course").filter(code=code).first()


def certificate_of(member, course: Course) -> Certificate | None:
    """``member``'s certificate for ``course``, if they have one."""
    if not getattr(member, "is_authenticated", False):
        return None
    return Certificate.objects.filter(member=member, course=course).first()


@transaction.atomic
def issue_if_complete(*, member, course: Course) -> Certificate | None:
    """``member``'s certificate for ``course``: the one given before, whatever the course
    has become since; else a new one when they have done every lesson and passed every
    quiz of the published course (their name on it as it is now); else None. Two calls at
    once give one certificate."""
    existing = certificate_of(member, course)
    if existing is not None:
        return existing
    if not (member.is_active and member.deleted_at is None and course.published):
        return None
    if not course_progress(member, course).complete:
        return None
    name = member.display_name[: Certificate._meta.get_field("name").max_length]
    for _draw in range(_DRAWS):
        try:
            with transaction.atomic():
                return Certificate.objects.create(member=member, course=course, name=name)
        except IntegrityError:
            # Another request gave it a moment ago (it waited for that one to commit), or
            # the code drawn is taken: then draw again.
            existing = certificate_of(member, course)
            if existing is not None:
                return existing
    raise IntegrityError("No free verification code after several draws.")
