import secrets

from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Collate, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from common.translation import language_field
from projects.models import Organisation, Theme


class Visibility(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    MEMBERS = "members", _("Members of M4D Net only")
    NOBODY = "nobody", _("Nobody (not listed in the directory)")


class MemberQuerySet(models.QuerySet):
    def with_verified_email(self):
        verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
        return self.filter(Exists(verified))

    def visible_to(self, viewer):
        """Members whose profile ``viewer`` may see: active, email verified, and sharing
        their profile with everyone, or with members when the viewer is a verified member."""
        levels = [Visibility.EVERYONE]
        if getattr(viewer, "is_authenticated", False) and viewer.has_verified_email:
            levels.append(Visibility.MEMBERS)
        return self.filter(
            is_active=True, deleted_at__isnull=True, visibility__in=levels
        ).with_verified_email()


class MemberManager(BaseUserManager.from_queryset(MemberQuerySet)):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email address is required.")
        member = self.model(email=email, **fields)
        member.set_password(password)
        member.save(using=self._db)
        return member

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        """An account for whoever runs the site (``manage.py createsuperuser``): its address
        is taken as confirmed, as allauth records it, so that the account logs into the
        public site too, not only into the admin, without a confirmation email."""
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        if not fields["is_staff"] or not fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        with transaction.atomic(using=self._db):
            member = self._create(email, password, **fields)
            EmailAddress.objects.using(self._db).create(
                user=member, email=member.email.lower(), verified=True, primary=True
            )
        return member

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class Member(AbstractBaseUser, PermissionsMixin):
    """A person with an account: a member of M4D Net, a moderator or a staff editor."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    slug = models.SlugField(_("profile address"), max_length=80, unique=True, editable=False)
    country = CountryField(_("country"), blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    affiliation = models.CharField(
        _("current affiliation"),
        max_length=200,
        blank=True,
        help_text=_("Where you work or study, in your own words."),
    )
    expertise = models.ManyToManyField(
        Theme, related_name="experts", blank=True, verbose_name=_("areas of expertise")
    )
    bio = models.TextField(_("short bio"), max_length=2000, blank=True)
    visibility = models.CharField(
        _("who can see my profile"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
    )
    language = language_field(
        _("language"), _("The portal writes to you in this language (emails, notifications).")
    )
    follow_own_topics = models.BooleanField(
        _("follow the topics I start or reply to"),
        default=True,
        help_text=_("You then receive an email for each new reply in them."),
    )
    deleted_at = models.DateTimeField(_("account deleted"), null=True, blank=True)
    # The terms of use accepted on signing up (icmd's terms page and its version then);
    # empty for accounts made otherwise (the admin, createsuperuser).
    terms_accepted_at = models.DateTimeField(_("terms of use accepted"), null=True, blank=True)
    terms_version = models.CharField(
        _("version of the terms of use accepted"), max_length=40, blank=True
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Whether the person can log into the admin site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = MemberManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["name", "email"]
        # The members directory's order (network.filters.MemberFilter): its first page is
        # read from the index instead of sorting every member.
        indexes = [
            models.Index(
                Collate("name", "und-x-icu"),
                "id",
                condition=models.Q(is_active=True, deleted_at__isnull=True),
                name="member_directory_name",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="member_email_unique_ci",
                violation_error_message=_("A member with this email address already exists."),
            ),
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        # One spelling per address: "Ana@Example.org" and "ana@example.org" are one person.
        self.email = (self.email or "").strip().lower()
        if not self.slug:
            base = slugify(self.name)[:60] or "member"
            self.slug = f"{base}-{secrets.token_hex(3)}"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("network:member", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        if self.deleted_at:
            return str(_("Former member"))
        return self.name or str(_("Member"))

    @property
    def has_verified_email(self) -> bool:
        """Whether the member confirmed their address: needed to post or contact anyone."""
        if not hasattr(self, "_has_verified_email"):
            self._has_verified_email = EmailAddress.objects.filter(
                user=self, verified=True
            ).exists()
        return self._has_verified_email

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email


class MembershipRole(models.TextChoices):
    REPRESENTATIVE = "representative", _("Representative")
    MEMBER = "member", _("Member")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class MembershipQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=MembershipStatus.APPROVED)

    def pending(self):
        return self.filter(status=MembershipStatus.PENDING)

    def representatives(self):
        return self.filter(role=MembershipRole.REPRESENTATIVE)


class Membership(models.Model):
    """A member's tie to an organisation: its representative (approved by staff) or one of
    its people (approved by a representative)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("member")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=16, choices=MembershipRole.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MembershipStatus.choices,
        default=MembershipStatus.PENDING,
    )
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why it was rejected or removed; sent to the member.")
    )
    created = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "organisation"], name="membership_unique_per_organisation"
            ),
        ]

    def __str__(self):
        return f"{self.member} — {self.organisation} ({self.get_role_display()})"


class RepresentativeClaim(Membership):
    """The staff's verification queue: representatives waiting for approval."""

    class Meta:
        proxy = True
        verbose_name = _("organisation to verify")
        verbose_name_plural = _("organisations to verify")
