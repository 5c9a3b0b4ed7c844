"""Forms that create something, made safe to submit twice.

A double click, a reload of the answer to a POST or a slow connection that makes someone
press again would otherwise create the topic, the reply or the organisation twice. Each such
form carries a random token (``SubmissionTokenMixin``: a hidden field drawn when the form
is shown); the view creates inside ``once(token, member=…)``::

    with once(form.cleaned_data["submission"], member=request.user) as submission:
        if submission.result_url:          # the same form, already submitted
            return redirect(submission.result_url)
        topic = services.start_topic(...)
        submission.result_url = topic.get_absolute_url()
    return redirect(topic)

``once`` records the token in the same transaction as what is created. A second request
with the same token waits for the first to commit (the token's row is locked until then),
then finds its result and goes there; if the first failed (a refusal, an error), nothing was
recorded and the second one is handled as new. A form posted without a token (an old page,
a script) is not guarded. Tokens are kept for ``SUBMISSION_TOKENS_KEPT`` (a day by default)
and forgotten by the worker afterwards.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from common.models import FormSubmission


class SubmissionTokenMixin:
    """Gives a form the hidden ``submission`` field: a new token each time it is shown,
    kept when it is shown again with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission"] = forms.UUIDField(
            required=False, widget=forms.HiddenInput, initial=uuid.uuid4
        )


@dataclass
class Submission:
    token: uuid.UUID | None
    result_url: str = ""
    repeated: bool = False


@contextmanager
def once(token: uuid.UUID | None, *, member=None) -> Iterator[Submission]:
    """A transaction in which a form with ``token`` creates its result, once (module doc).
    ``submission.result_url`` is set on a repeated submission; set it to the page of what
    was created before leaving the block."""
    member_id = getattr(member, "pk", None)
    with transaction.atomic():
        submission = Submission(token=token)
        if token is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {FormSubmission._meta.db_table} "
                    "(token, member_id, result_url, created) VALUES (%s, %s, '', %s) "
                    "ON CONFLICT (token) DO NOTHING RETURNING token",
                    [token, member_id, timezone.now()],
                )
                claimed = cursor.fetchone() is not None
            if not claimed:
                first = FormSubmission.objects.filter(token=token, member_id=member_id).first()
                if first is not None and first.result_url:
                    submission.result_url = first.result_url
                    submission.repeated = True
                    yield submission
                    return
                # Another person's token, or a first submission that created nothing:
                # not a repeat; this one is not guarded.
                token = None
        yield submission
        if token is not None and not submission.repeated:
            FormSubmission.objects.filter(token=token).update(
                result_url=submission.result_url[:500]
            )


def forget_old_submissions() -> int:
    """Delete tokens older than ``SUBMISSION_TOKENS_KEPT`` seconds (a day by default)."""
    kept = timedelta(seconds=getattr(settings, "SUBMISSION_TOKENS_KEPT", 24 * 3600))
    deleted, _ = FormSubmission.objects.filter(created__lt=timezone.now() - kept).delete()
    return deleted
