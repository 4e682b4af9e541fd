from celery import shared_task

from gigbook.accounts.services import delivery


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def send_phone_code(verification_id: int, code: str) -> bool:
    """Text a verification code. Sent at most once per verification (claimed before sending)."""
    return delivery.phone_code_send(verification_id=verification_id, code=code)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def send_email_change_link(user_id: int, token: str) -> bool:
    """Email the confirmation link to the new address (only while it is still the pending one)."""
    return delivery.email_change_link_send(user_id=user_id, token=token)
