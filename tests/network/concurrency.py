"""Two requests at the same instant, against the real database: a double click, two tabs,
two staff deciding the same request. For tests marked ``django_db(transaction=True)``
(each request commits for real, and sees what the other committed)."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client


def browser(member=None, *, like: Client | None = None) -> Client:
    """A browser that shows server errors as the person sees them (a 500 page), logged
    in as ``member``, or sharing the cookies of ``like`` (a second tab, a double click)."""
    client = Client(raise_request_exception=False)
    if member is not None:
        client.force_login(member)
    if like is not None:
        client.cookies = like.cookies
    return client


def at_once(*posts: tuple[Client, str, dict]) -> list:
    """Each ``(client, path, data)`` posted in its own thread, all at once; the responses
    in the same order."""
    responses: list = [None] * len(posts)

    def post(index, client, path, data):
        try:
            responses[index] = client.post(path, data)
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=post, args=(index, *request)) for index, request in enumerate(posts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(response is not None for response in responses), "a request did not finish"
    return responses


@contextmanager
def meeting_before_saving(model, *, created: bool, parties: int = 2, wait: float = 2.0) -> Iterator:
    """Each request that is about to save a ``model`` row (a new one with ``created``, an
    existing one otherwise) waits there for the others, up to ``wait`` seconds: requests
    that both passed their checks before either wrote anything reach the write together,
    as two clicks do on a busy server. A request kept waiting elsewhere by the other (a
    lock, a token) never comes: the meeting gives up and each goes on."""
    meeting = threading.Barrier(parties)

    def receiver(sender, instance, **kwargs):
        if instance._state.adding == created:
            try:
                meeting.wait(timeout=wait)
            except threading.BrokenBarrierError:
                pass

    uid = f"test-meeting-{id(meeting)}"
    pre_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
    try:
        yield
    finally:
        pre_save.disconnect(sender=model, dispatch_uid=uid)
