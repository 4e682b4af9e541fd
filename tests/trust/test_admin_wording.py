"""The admin speaks plainly: "Profile approved: Zoë Keys", real plurals, and the review queue's length in view."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from gigbook.core.text import counted
from musicians import services as musician_services
from musicians.models import MusicianProfile

pytestmark = pytest.mark.django_db
S = MusicianProfile.Status
QUEUE = "/admin/trust/pendingprofile/"


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_approving_one_profile_says_which_profile(moderator, make_musician, now):
    profile = make_musician("Zoë Keys 🎹", status=S.PENDING)
    response = browser(moderator).post(f"{QUEUE}{profile.pk}/moderate/approve/", follow=True)
    assert messages_of(response) == [f"Profile approved: {profile.display_name}"]
    assert "Zoë Keys 🎹" in profile.display_name
    assert "done" not in response.content.decode().split('class="messagelist"')[1].split("</ul>")[0]


def test_approving_the_waiting_changes_of_a_live_profile_says_changes(moderator, make_musician, now):
    profile = make_musician("Lou Bass")
    musician_services.profile_update(user=profile.user, changes={"headline": "Upright and electric bass"})
    assert MusicianProfile.objects.get(pk=profile.pk).changes_state == "pending"
    response = browser(moderator).post(f"{QUEUE}{profile.pk}/moderate/approve/", follow=True)
    assert messages_of(response) == ["Changes approved: Lou Bass"]


def test_bulk_actions_count_in_words(moderator, make_musician, now):
    one = make_musician("Solo Player", status=S.PENDING)
    client = browser(moderator)
    response = client.post(QUEUE, {"action": "approve_profiles", ACTION_CHECKBOX_NAME: [one.pk]}, follow=True)
    assert messages_of(response) == ["Profile approved: Solo Player"]
    many = [make_musician(f"Player {n}", status=S.PENDING) for n in range(2)]
    response = client.post(QUEUE, {"action": "approve_profiles", ACTION_CHECKBOX_NAME: [p.pk for p in many]},
                           follow=True)
    assert messages_of(response) == ["2 profiles approved."]


def test_admin_home_and_staff_menu_show_how_many_profiles_wait(moderator, make_musician, now):
    client = browser(moderator)
    assert "No profiles waiting for review." in client.get("/admin/").content.decode()

    make_musician("First Timer", status=S.PENDING)
    live = make_musician("Live Edit")
    musician_services.profile_update(user=live.user, changes={"headline": "New headline to check"})
    make_musician("Still Drafting", status=S.DRAFT)
    make_musician("Already Live")

    home = client.get("/admin/").content.decode()
    assert re.search(r'<a href="/admin/trust/pendingprofile/"><strong>2 profiles waiting for review</strong>', home)
    menu = client.get("/account/").content.decode()
    assert 'aria-label="2 profiles waiting for review">2</span>' in menu

    MusicianProfile.objects.filter(stage_name="First Timer").update(status=S.APPROVED)
    assert "1 profile waiting for review" in client.get("/admin/").content.decode()
    assert 'aria-label="1 profile waiting for review">1</span>' in client.get("/account/").content.decode()


def test_staff_who_cannot_see_the_queue_get_no_count(staff_user, make_musician, now):
    make_musician("First Timer", status=S.PENDING)
    client = browser(staff_user)
    assert "waiting for review" not in client.get("/account/").content.decode()
    assert "Review queue" not in client.get("/account/").content.decode()


def test_every_admin_model_has_a_real_plural(superuser):
    for model in admin.site._registry:
        plural = str(model._meta.verbose_name_plural)
        assert not plural.endswith("ss"), plural
        assert not re.search(r"[^aeiou]ys$", plural), plural
    home = browser(superuser).get("/admin/").content.decode()
    assert "Deliveries" in home and "Response stats" in home
    assert "Deliverys" not in home and "statss" not in home


def test_counted_says_one_or_many():
    assert counted(1, "booking") == "1 booking"
    assert counted(0, "booking") == "0 bookings"
    assert counted([1, 2, 3], "producer") == "3 producers"
    assert counted(2, "delivery", "deliveries") == "2 deliveries"
