"""Telling subscribers about new posts (being written: enqueued as background tasks)."""


def post_created(post) -> None:
    """Called inside the transaction that saved ``post``."""
