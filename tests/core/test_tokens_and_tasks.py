from datetime import timedelta

import pytest
from django.db import transaction

from gigbook.core import tokens
from gigbook.core.tasks import enqueue_on_commit

pytestmark = pytest.mark.django_db


def make(frozen_clock, **overrides):
    fields = {"purpose": "booking-offer", "subject_id": 7, "user_id": 3, "expires_at": frozen_clock.now() + timedelta(hours=1)}
    fields.update(overrides)
    return tokens.action_token_make(**fields)


def test_token_round_trip_names_subject_and_user(frozen_clock):
    frozen_clock.set(frozen_clock.now())
    parsed = tokens.action_token_read(make(frozen_clock), purpose="booking-offer")
    assert (parsed.subject_id, parsed.user_id) == (7, 3)


def test_expired_token_is_refused(frozen_clock):
    frozen_clock.set(frozen_clock.now())
    token = make(frozen_clock)
    frozen_clock.advance(timedelta(hours=1, seconds=1))
    with pytest.raises(tokens.TokenExpired):
        tokens.action_token_read(token, purpose="booking-offer")


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), lambda t: "x" + t, lambda t: ""])
def test_tampered_token_is_invalid(frozen_clock, mangle):
    with pytest.raises(tokens.TokenInvalid):
        tokens.action_token_read(mangle(make(frozen_clock)), purpose="booking-offer")


def test_token_for_another_purpose_is_invalid(frozen_clock):
    with pytest.raises(tokens.TokenInvalid):
        tokens.action_token_read(make(frozen_clock), purpose="gig-request-offer")


def test_token_spends_once(frozen_clock):
    parsed = tokens.action_token_read(make(frozen_clock), purpose="booking-offer")
    assert not tokens.action_token_is_spent(parsed)
    tokens.action_token_spend(parsed)
    assert tokens.action_token_is_spent(parsed)
    with pytest.raises(tokens.TokenUsed):
        tokens.action_token_spend(parsed)


def test_spending_rolls_back_with_the_action(frozen_clock):
    parsed = tokens.action_token_read(make(frozen_clock), purpose="booking-offer")
    with pytest.raises(RuntimeError), transaction.atomic():
        tokens.action_token_spend(parsed)
        raise RuntimeError("the action failed")
    assert not tokens.action_token_is_spent(parsed)


def test_enqueue_on_commit_waits_for_the_commit(django_capture_on_commit_callbacks, eager_celery):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_on_commit("gigbook.notifications.tasks.sweep_pending_deliveries")
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit("gigbook.notifications.tasks.sweep_pending_deliveries")
        raise RuntimeError("rolled back")
    assert callbacks == []


def test_enqueue_on_commit_refuses_an_unknown_task_name_at_once():
    with pytest.raises(LookupError):
        enqueue_on_commit("gigbook.notifications.tasks.no_such_task")
