"""Account use cases, one module each; the public functions are re-exported here."""

from gigbook.accounts.services.email_change import email_change_cancel, email_change_confirm, email_change_request
from gigbook.accounts.services.phone import pending_phone, phone_verification_start, phone_verify
from gigbook.accounts.services.registration import ROLE_CHOICES, user_register
from gigbook.accounts.services.settings import account_update, password_change, user_update

__all__ = [
    "ROLE_CHOICES",
    "account_update",
    "email_change_cancel",
    "email_change_confirm",
    "email_change_request",
    "password_change",
    "pending_phone",
    "phone_verification_start",
    "phone_verify",
    "user_register",
    "user_update",
]
