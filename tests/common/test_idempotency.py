"""The double-submission guard: the same form token twice leads to the first result."""

import threading
import uuid

import pytest
from django.db import connection

from common.idempotency import forget_old_submissions, once
from common.models import FormSubmission
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def submit(token, member, created: list):
    with once(token, member=member) as submission:
        if submission.result_url:
            return submission.result_url
        created.append(token)
        submission.result_url = f"/result/{len(created)}/"
    return submission.result_url


def test_a_second_submission_lands_on_the_first_result():
    member, token, created = MemberFactory(), uuid.uuid4(), []
    assert submit(token, member, created) == "/result/1/"
    assert submit(token, member, created) == "/result/1/"
    assert len(created) == 1
    assert submit(uuid.uuid4(), member, created) == "/result/2/"  # a new form


def test_a_form_without_token_is_not_guarded():
    member, created = MemberFactory(), []
    submit(None, member, created)
    submit(None, member, created)
    assert len(created) == 2


def test_someone_elses_token_does_not_show_them_the_result():
    token, created = uuid.uuid4(), []
    submit(token, MemberFactory(), created)
    assert submit(token, MemberFactory(), created) == "/result/2/"


def test_a_failed_submission_records_nothing():
    member, token = MemberFactory(), uuid.uuid4()
    with pytest.raises(ValueError), once(token, member=member):
        raise ValueError("refused")
    assert not FormSubmission.objects.exists()
    assert submit(token, member, []) == "/result/1/"


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_create_one_thing():
    member, token, created = MemberFactory(), uuid.uuid4(), []
    results, barrier = [], threading.Barrier(4)

    def post():
        try:
            barrier.wait()
            results.append(submit(token, member, created))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(created) == 1
    assert results == ["/result/1/"] * 4


def test_old_tokens_are_forgotten(settings):
    submit(uuid.uuid4(), MemberFactory(), [])
    settings.SUBMISSION_TOKENS_KEPT = 0
    assert forget_old_submissions() == 1
