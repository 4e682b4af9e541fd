"""Sending the verification text and the email-change link (run by Celery tasks after commit)."""

from __future__ import annotations

from django.conf import settings

from gigbook.accounts.models import PhoneVerification, User
from gigbook.core import clock
from gigbook.notifications.emails import email_build
from gigbook.notifications.sms import SMSError, get_sms_backend


class SendFailed(OSError):
    """A transient failure: the task retries."""


def phone_code_send(*, verification_id: int, code: str) -> bool:
    """Text the code once: the row is claimed by a conditional update before the send."""
    claimed = PhoneVerification.objects.filter(pk=verification_id, sent_at__isnull=True, used_at__isnull=True).update(
        sent_at=clock.now()
    )
    if not claimed:
        return False
    verification = PhoneVerification.objects.select_related("user").get(pk=verification_id)
    text = (f"GigBook: your code is {code}. It works for 10 minutes. "
            f"If you did not ask for it, ignore this text. {settings.SITE_URL}/account/")
    try:
        get_sms_backend().send(to=verification.phone, text=text)
    except SMSError as exc:
        if not exc.transient:
            return False
        PhoneVerification.objects.filter(pk=verification_id).update(sent_at=None)
        raise SendFailed(str(exc)) from exc
    return True


def email_change_link_send(*, user_id: int, token: str) -> bool:
    from gigbook.accounts.services.email_change import email_change_read

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    change = email_change_read(token, check_expiry=False)
    if change.new_email != user.pending_email:
        return False  # replaced by a newer request or already confirmed
    message = email_build(
        user=user,
        kind="all",
        to=change.new_email,
        subject="GigBook: confirm your new email address",
        template="accounts/email_change",
        context={"link": f"{settings.SITE_URL}/account/email/confirm/{token}/", "new_email": change.new_email,
                 "expires_at": change.expires_at.astimezone(user.zone), "time_zone": user.time_zone},
    )
    message.send()
    return True
