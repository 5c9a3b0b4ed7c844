"""What waits for the commit of the transaction under way."""

from django.db import transaction


def waits_for_commit(callback) -> bool:
    """Whether ``callback`` is among the callbacks waiting for the commit of the transaction
    under way (none outside a transaction: they run at once)."""
    connection = transaction.get_connection()
    return any(waiting is callback for _savepoints, waiting, _robust in connection.run_on_commit)


def on_commit_once(callback) -> None:
    """Run ``callback`` when the transaction under way commits (at once outside one), once
    however many times it is asked for. Robust: the change is committed; a callback that
    fails then is logged, never turned into an error for whoever made the change."""
    if not waits_for_commit(callback):
        transaction.on_commit(callback, robust=True)
