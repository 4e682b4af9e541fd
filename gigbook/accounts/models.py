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
        if not email:
            raise ValueError("An email address is required.")
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
    phone = models.CharField(
        max_length=20, blank=True, validators=[validate_phone], help_text="E.164, e.g. +447911123456"
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
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
        return f"{self.full_name} <{self.email}>"

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
        return self.full_name.split(" ")[0] if self.full_name else self.email
