"""Keeping the index up to date after commit: what a transaction changed is collected as
it goes, and once it commits, one background task (search/tasks.py) indexes it again.

The transaction that saves content never writes the index: a post, a decision or an
import commits without waiting for it, and a rolled-back change leaves nothing to do.
Model signals report most changes (``post_save``, ``post_delete``, ``m2m_changed``);
writes that bypass them (``QuerySet.update()``, ``bulk_create()``) send
``common.signals.rows_changed`` with the ids they wrote. Receivers only record which rows
changed; they read nothing but the links a deletion or ``clear()`` is about to take away (a
theme's projects), so that the task can still tell what showed them.

The library's text extraction (a task of the worker) never calls the search, which it may
not import: it saves the file (``ResourceFile.save()``), or sends ``rows_changed`` with
``sender=ResourceFile`` after a ``QuerySet.update()``, and the file's resource is indexed
again with the text found.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from blogs.models import BlogPost
from common.signals import rows_changed
from common.transactions import waits_for_commit
from forums.models import Post, Topic
from library.models import Event, EventProposal, Resource, ResourceFile, ResourceSubmission
from projects.models import Organisation, Partnership, Project, Theme


class PendingChanges:
    """What one transaction changed, as model labels and ids: ``changed`` rows (their
    documents and what shows them are indexed again) and ``documents`` to index again as
    they are. Called once the transaction commits: enqueues the task."""

    def __init__(self):
        self.changed = defaultdict(set)
        self.documents = defaultdict(set)
        self.registered = False

    def __call__(self) -> None:
        from search.tasks import reindex

        def as_lists(pairs):
            return {label: sorted(ids) for label, ids in pairs.items() if ids}

        changed, documents = as_lists(self.changed), as_lists(self.documents)
        if changed or documents:
            reindex.enqueue(changed=changed, documents=documents)


def _pending() -> PendingChanges:
    """The changes of the transaction under way, whose callback waits for its commit; a
    new one when there is none (first change, or the last one ran or was rolled back)."""
    connection = transaction.get_connection()
    pending = getattr(connection, "search_pending_changes", None)
    if pending is None or not waits_for_commit(pending):
        pending = connection.search_pending_changes = PendingChanges()
    return pending


def _register(pending: PendingChanges) -> None:
    # Robust: the change is committed; failing to enqueue its indexing is logged (a rebuild
    # repairs it) and never turns the answer to whoever saved it into an error.
    if not pending.registered:
        pending.registered = True
        transaction.on_commit(pending, robust=True)


def schedule(model, ids) -> None:
    """These rows of ``model`` changed (or were deleted): their documents and those of
    what shows them are indexed again once the transaction commits."""
    ids = {int(pk) for pk in ids if pk is not None}
    if ids:
        pending = _pending()
        pending.changed[model._meta.label_lower].update(ids)
        _register(pending)


def schedule_documents(model, ids) -> None:
    """These documents are indexed again once the transaction commits (what showed a
    deleted row, read from the row before it went)."""
    ids = {int(pk) for pk in ids if pk is not None}
    if ids:
        pending = _pending()
        pending.documents[model._meta.label_lower].update(ids)
        _register(pending)


# Receivers: what changed. Fixture loading (``raw``) is followed by a rebuild.


def on_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        # A proxy's row (a resource saved from the staff's review queue) is its model's.
        schedule(sender._meta.concrete_model, [instance.pk])


def on_deleted(sender, instance, **kwargs):
    schedule(sender._meta.concrete_model, [instance.pk])


def on_partnership_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule_documents(Project, [instance.project_id])
        # An organisation is listed while it has a project.
        schedule_documents(Organisation, [instance.organisation_id])


def on_post_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule(Post, [instance.pk])
        # The topic's document holds its first post, which this may be.
        schedule_documents(Topic, [instance.topic_id])


def on_topic_deleted(sender, instance, **kwargs):
    # Its replies go with it, each reporting its own deletion.
    schedule_documents(Topic, [instance.pk])


def on_organisation_deleted(sender, instance, **kwargs):
    # Its partnerships go with it, each reporting its project.
    schedule_documents(Organisation, [instance.pk])


def on_partners_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """``project.organisations.add/remove/clear`` (Partnership rows without save())."""
    if action == "pre_clear":
        related = instance.projects if reverse else instance.organisations
        instance._search_cleared_ids = list(related.values_list("pk", flat=True))
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    others = pk_set if action != "post_clear" else getattr(instance, "_search_cleared_ids", [])
    projects, organisations = ([*others], [instance.pk]) if reverse else ([instance.pk], [*others])
    schedule_documents(Project, projects)
    schedule_documents(Organisation, organisations)


def on_project_themes_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action in {"post_add", "post_remove", "post_clear"}:
            schedule_documents(Project, [instance.pk])
    elif action == "pre_clear":  # theme.projects.clear(): the projects it had
        schedule_documents(Project, instance.projects.values_list("pk", flat=True))
    elif action in {"post_add", "post_remove"}:
        schedule_documents(Project, pk_set or [])


def on_theme_deleting(sender, instance, **kwargs):
    # Its projects, resources and events lose its name; the links go without signals of
    # their own.
    schedule_documents(Project, instance.projects.values_list("pk", flat=True))
    schedule_documents(Resource, instance.resources.values_list("pk", flat=True))
    schedule_documents(Event, instance.events.values_list("pk", flat=True))


def on_resource_file_changed(sender, instance, raw=False, **kwargs):
    """A file added, removed or its text extracted (library/tasks.py saves it): the
    resource's document holds the text of its files."""
    if not raw:
        schedule_documents(Resource, [instance.resource_id])


def themes_changed_receiver(model):
    """The receiver of ``model.themes.add/remove/clear`` (a resource's or an event's): the
    documents of ``model`` that name the themes are indexed again."""

    def on_themes_changed(sender, instance, action, reverse, pk_set, **kwargs):
        if not reverse:
            if action in {"post_add", "post_remove", "post_clear"}:
                schedule_documents(model, [instance.pk])
        elif action == "pre_clear":  # theme.resources.clear(): the ones it had
            related = getattr(instance, model.themes.field.related_query_name())
            schedule_documents(model, related.values_list("pk", flat=True))
        elif action in {"post_add", "post_remove"}:
            schedule_documents(model, pk_set or [])

    return on_themes_changed


def on_rows_changed(sender, ids, **kwargs):
    """A bulk write of content (see ``common.signals.rows_changed``)."""
    schedule(sender._meta.concrete_model, ids)


def connect() -> None:
    library = (Resource, ResourceSubmission, Event, EventProposal)
    for model in (Project, Organisation, Topic, BlogPost, Theme, *library):
        uid = f"search-{model._meta.label_lower}"
        post_save.connect(on_saved, sender=model, dispatch_uid=uid)
    for model in (Project, BlogPost, *library):
        post_delete.connect(
            on_deleted, sender=model, dispatch_uid=f"search-{model._meta.label_lower}"
        )
    post_delete.connect(on_topic_deleted, sender=Topic, dispatch_uid="search-forums.topic")
    post_delete.connect(
        on_organisation_deleted, sender=Organisation, dispatch_uid="search-projects.organisation"
    )
    post_save.connect(on_post_changed, sender=Post, dispatch_uid="search-forums.post")
    post_delete.connect(on_post_changed, sender=Post, dispatch_uid="search-forums.post")
    post_save.connect(on_partnership_changed, sender=Partnership, dispatch_uid="search-partnership")
    post_delete.connect(
        on_partnership_changed, sender=Partnership, dispatch_uid="search-partnership"
    )
    pre_delete.connect(on_theme_deleting, sender=Theme, dispatch_uid="search-theme")
    m2m_changed.connect(
        on_partners_changed, sender=Project.organisations.through, dispatch_uid="search-partners"
    )
    m2m_changed.connect(
        on_project_themes_changed, sender=Project.themes.through, dispatch_uid="search-themes"
    )
    for model in (Resource, Event):
        m2m_changed.connect(
            themes_changed_receiver(model),
            sender=model.themes.through,
            dispatch_uid=f"search-{model._meta.label_lower}-themes",
            weak=False,
        )
    for signal in (post_save, post_delete):
        signal.connect(
            on_resource_file_changed, sender=ResourceFile, dispatch_uid="search-resource-file"
        )
    rows_changed.connect(on_rows_changed, dispatch_uid="search-rows-changed")
