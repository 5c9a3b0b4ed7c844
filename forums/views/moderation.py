"""Moderation and e-discussions: flagging posts, the moderators' queue of flags, hiding and
unhiding posts, a post's edit history, the "Moderate" page of a topic, and the summary of a
closed e-discussion.

Every rule is checked here on the server (anonymous people are sent to log in, others
without the right get 403) and the writes go through forums.services.
"""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.pagination import paginate
from forums import services
from forums.models import Flag, Post, Topic, is_moderator
from forums.moderation_forms import (
    EdiscussionForm,
    FlagForm,
    HidePostForm,
    ResolveFlagForm,
    SummaryForm,
    TopicStateForm,
)
from forums.views.topics import (
    TooFast,
    refusal_status,
    show_refusal,
    within_rate_limit,
)

FLAGS_PER_PAGE = 30
FLAGGING_RATE_LIMIT = "forum_flag"


def _require_moderator(request) -> None:
    if not is_moderator(request.user):
        raise PermissionDenied(_("Only moderators can do this."))


def _post_for_moderators(pk) -> Post:
    return get_object_or_404(Post.objects.select_related("topic", "author"), pk=pk)


# --- Members flag posts ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def flag_post(request, pk):
    member = request.user
    post = get_object_or_404(
        Post.objects.visible_to(member)
        .filter(topic__in=Topic.objects.visible_to(member))
        .select_related("topic", "author"),
        pk=pk,
    )
    refusal = services.flag_refusal(member=member, post=post)
    if refusal:
        return _flag_page(request, post, None, refusal, HTTPStatus.FORBIDDEN)
    form = FlagForm(request.POST or None)
    if request.method == "GET":
        return _flag_page(request, post, form)
    if not form.is_valid():
        return _flag_page(request, post, form, status=HTTPStatus.BAD_REQUEST)
    try:
        with transaction.atomic():
            if not within_rate_limit(request, FLAGGING_RATE_LIMIT):
                raise TooFast
            services.flag_post(
                member=member,
                post=post,
                category=form.cleaned_data["category"],
                reason=form.cleaned_data["reason"],
            )
    except TooFast:
        refusal = _(
            "You have flagged many posts in a short while: this flag was not sent. "
            "Please try again later."
        )
        return _flag_page(request, post, form, refusal, HTTPStatus.TOO_MANY_REQUESTS)
    except services.ForumError as error:
        return _flag_page(request, post, form, str(error), refusal_status(error))
    messages.success(request, _("Thank you: the moderators will look at this post."))
    return redirect(post.topic)


def _flag_page(request, post, form, refusal="", status=HTTPStatus.OK):
    return render(
        request,
        "forums/moderation/flag_form.html",
        {"post": post, "topic": post.topic, "form": form, "refusal": refusal},
        status=status,
    )


# --- Moderators hide and unhide posts, and read their history --------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def hide_post(request, pk):
    _require_moderator(request)
    post = _post_for_moderators(pk)
    form = HidePostForm(request.POST or None)
    status = HTTPStatus.OK
    if request.method == "POST":
        if form.is_valid():
            try:
                services.hide_post(
                    moderator=request.user, post=post, reason=form.cleaned_data["reason"]
                )
            except services.ForumError as error:
                show_refusal(form, error)
                status = refusal_status(error)
            else:
                messages.success(request, _("The post is hidden. Only moderators see it now."))
                return redirect(post.topic)
        else:
            status = HTTPStatus.BAD_REQUEST
    return render(
        request,
        "forums/moderation/hide_form.html",
        {"post": post, "topic": post.topic, "form": form},
        status=status,
    )


@login_required
@require_POST
def unhide_post(request, pk):
    _require_moderator(request)
    post = _post_for_moderators(pk)
    services.unhide_post(moderator=request.user, post=post)
    messages.success(request, _("The post is shown again."))
    return redirect(post.topic)


@login_required
def post_history(request, pk):
    _require_moderator(request)
    post = get_object_or_404(Post.objects.select_related("topic", "author", "hidden_by"), pk=pk)
    revisions = post.revisions.select_related("edited_by")
    flags = post.flags.select_related("reporter", "resolved_by")
    return render(
        request,
        "forums/moderation/history.html",
        {"post": post, "topic": post.topic, "revisions": revisions, "flags": flags},
    )


# --- The queue of flags ---------------------------------------------------------------------


def _open_flags():
    return Flag.objects.filter(resolved_at__isnull=True).select_related(
        "reporter", "post__author", "post__topic__forum"
    )


@login_required
def flag_queue(request):
    _require_moderator(request)
    page, notice = paginate(request, _open_flags().order_by("created", "id"), FLAGS_PER_PAGE)
    rows = [(flag, ResolveFlagForm(prefix=f"flag-{flag.pk}")) for flag in page]
    return render(
        request,
        "forums/moderation/flag_queue.html",
        {"page": page, "notice": notice, "rows": rows, "single": False},
    )


@login_required
@require_http_methods(["GET", "POST"])
def resolve_flag(request, pk):
    _require_moderator(request)
    flag = get_object_or_404(
        Flag.objects.select_related("reporter", "post__author", "post__topic__forum"), pk=pk
    )
    refusal = services.resolution_refusal(flag=flag)
    if refusal:
        messages.info(request, refusal)
        return redirect("forums:flags")
    form = ResolveFlagForm(request.POST or None, prefix=f"flag-{flag.pk}")
    status = HTTPStatus.OK
    if request.method == "POST":
        if form.is_valid():
            hide = form.cleaned_data["decision"] == ResolveFlagForm.HIDE
            try:
                services.resolve_flag(
                    moderator=request.user,
                    flag=flag,
                    hide=hide,
                    resolution=form.cleaned_data["resolution"],
                )
            except services.ForumError as error:
                if error.field not in form.fields:  # dealt with meanwhile
                    messages.info(request, str(error))
                    return redirect("forums:flags")
                show_refusal(form, error)
            else:
                if hide:
                    messages.success(request, _("The post is hidden and the flag dealt with."))
                else:
                    messages.success(request, _("The flag is dismissed."))
                return redirect("forums:flags")
        status = HTTPStatus.BAD_REQUEST
    return render(
        request,
        "forums/moderation/flag_queue.html",
        {"page": None, "notice": "", "rows": [(flag, form)], "single": True},
        status=status,
    )


# --- A topic's "Moderate" page, e-discussions and their summary -------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def moderate_topic(request, slug):
    _require_moderator(request)
    topic = get_object_or_404(Topic.objects.select_related("forum", "moderator"), slug=slug)
    state_form = TopicStateForm.for_topic(topic)
    ediscussion_form = EdiscussionForm.for_topic(topic)
    status = HTTPStatus.OK
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "state":
                state_form = TopicStateForm.for_topic(topic, request.POST)
                if state_form.is_valid():
                    _change_state(request, topic, state_form.cleaned_data)
                    return redirect(topic)
            elif action == "ediscussion":
                ediscussion_form = EdiscussionForm.for_topic(topic, request.POST)
                if ediscussion_form.is_valid():
                    _change_ediscussion(request, topic, ediscussion_form.cleaned_data)
                    return redirect(topic)
            else:
                messages.error(request, _("Choose what to change."))
        except services.ForumError as error:
            show_refusal(ediscussion_form if action == "ediscussion" else state_form, error)
        status = HTTPStatus.BAD_REQUEST
    return render(
        request,
        "forums/moderation/moderate_topic.html",
        {"topic": topic, "state_form": state_form, "ediscussion_form": ediscussion_form},
        status=status,
    )


def _change_state(request, topic, cleaned) -> None:
    saved = services.set_topic_state(
        moderator=request.user,
        topic=topic,
        locked=cleaned["is_locked"],
        pinned=cleaned["is_pinned"],
        hidden=cleaned["is_hidden"],
        forum=cleaned["forum"],
    )
    if saved.forum_id != topic.forum_id:
        messages.success(
            request, _("The topic is moved to “%(forum)s”.") % {"forum": cleaned["forum"]}
        )
    messages.success(request, _("The topic is saved."))


def _change_ediscussion(request, topic, cleaned) -> None:
    services.set_ediscussion(
        moderator=request.user,
        topic=topic,
        kind=cleaned["kind"],
        starts_at=cleaned["starts_at"],
        ends_at=cleaned["ends_at"],
        guiding_questions=cleaned["guiding_questions"],
        ediscussion_moderator=cleaned["moderator"],
    )
    messages.success(request, _("The e-discussion settings are saved."))


@login_required
@require_http_methods(["GET", "POST"])
def write_summary(request, slug):
    topic = get_object_or_404(Topic.objects.visible_to(request.user), slug=slug)
    if not topic.is_ediscussion:
        raise Http404(_("Only e-discussions have a summary."))
    if not services.may_write_summary(member=request.user, topic=topic):
        raise PermissionDenied(_("Only the e-discussion's moderator writes its summary."))
    refusal = services.summary_refusal(topic=topic)
    if refusal:
        return render(
            request,
            "forums/moderation/summary_form.html",
            {"topic": topic, "form": None, "refusal": refusal},
            status=HTTPStatus.BAD_REQUEST,
        )
    form = SummaryForm(request.POST or None, initial={"summary": topic.summary})
    status = HTTPStatus.OK
    if request.method == "POST":
        if form.is_valid():
            try:
                services.write_summary(
                    member=request.user, topic=topic, summary=form.cleaned_data["summary"]
                )
            except services.ForumError as error:
                show_refusal(form, error)
                status = refusal_status(error)
            else:
                messages.success(request, _("The summary is published at the top of the topic."))
                return redirect(topic)
        else:
            status = HTTPStatus.BAD_REQUEST
    return render(
        request,
        "forums/moderation/summary_form.html",
        {"topic": topic, "form": form, "refusal": ""},
        status=status,
    )
