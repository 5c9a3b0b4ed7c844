"""Signals any app may send, for writes that Django's model signals do not see."""

from django.dispatch import Signal

# Rows were written without ``save()`` or ``delete()`` on each (``QuerySet.update()``,
# ``bulk_create()``, SQL): sent inside the writer's transaction with ``sender`` the model
# and ``ids`` the primary keys written, so that what follows every change to such rows (the
# site search's index) follows these too. A write through ``save()`` sends nothing more.
rows_changed = Signal()
