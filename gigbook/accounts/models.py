from __future__ import annotations

import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from gigbook.accounts.validators import validate_phone, validate_time_zone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        """Create a user from a trusted path (admin, scripts, tests): a phone given here counts as verified.

        Self-service sign-up goes through ``services.user_register``, which verifies the phone by code.
        """
        if not email:
            raise ValueError("An email address is required.")
        if fields.get("phone") and "phone_verified_at" not in fields:
            fields["phone_verified_at"] = timezone.now()
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A person using GigBook: a producer, a musician, or both. Staff users are admins."""

    email = models.EmailField("email address", unique=True, max_length=254)
    full_name = models.CharField(max_length=150)
    # The one name shown to other people, in messages and in the calendar feed (see greeting_name).
    display_name = models.CharField(max_length=150, blank=True)
    # An address waiting for confirmation: ``email`` changes only when its signed link is opened.
    pending_email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(
        max_length=20, blank=True, validators=[validate_phone], help_text="E.164, e.g. +447911123456"
    )
    # Texts go to ``phone`` only once it is verified (a code sent to it, or set by staff or a script).
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # Non-urgent email and texts wait until quiet_hours_end (in time_zone); both empty = no quiet hours.
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    is_producer = models.BooleanField(default=False)
    is_musician = models.BooleanField(default=False)
    notify_by_email = models.BooleanField(default=True)
    notify_by_sms = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.greeting_name} <{self.email}>"

    def save(self, *args, **kwargs):
        if not self.display_name and self.full_name:
            self.display_name = self.full_name
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = set(update_fields) | {"display_name"}
        super().save(*args, **kwargs)

    @property
    def greeting_name(self) -> str:
        """The name shown to people: on every page, in every message and in the calendar feed.

        Rows written in bulk (bench, demo) may lack ``display_name``; fall back to the full name.
        """
        return self.display_name or self.full_name or self.email.split("@")[0]

    @property
    def phone_verified(self) -> bool:
        return bool(self.phone) and self.phone_verified_at is not None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def roles(self) -> list[str]:
        roles = [name for name, flag in (("producer", self.is_producer), ("musician", self.is_musician)) if flag]
        if self.is_staff:
            roles.append("admin")
        return roles

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.greeting_name


class PhoneVerification(models.Model):
    """A 6-digit code texted to ``phone``; the number becomes the user's only when the code is entered.

    Only a keyed hash of the code is stored. A code expires, works once, and allows a few wrong tries.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="phone_verifications")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="phoneverif_user_recent")]

    def __str__(self) -> str:
        return f"code for {self.phone} (user {self.user_id})"
