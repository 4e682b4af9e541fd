"""Short aliases for text-message links: unguessable, only for our own pages, purged when stale."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import Resolver404

from gigbook.core import shortlinks
from gigbook.core.models import ShortLink
from gigbook.core.tasks import purge_short_links

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)


def test_aliases_are_random_and_point_only_at_our_pages(frozen_clock):
    frozen_clock.set(NOW)
    paths = {shortlinks.short_link_make(target="/gigs/", expires_at=NOW) for _ in range(50)}
    assert len(paths) == 50 and all(len(path) == len("/s/") + 12 for path in paths)
    with pytest.raises(Resolver404):
        shortlinks.short_link_make(target="/no/such/page/here/", expires_at=NOW)


def test_stale_aliases_are_purged_by_the_daily_task(frozen_clock):
    frozen_clock.set(NOW)
    old = shortlinks.short_link_make(target="/gigs/", expires_at=NOW - timedelta(days=31))
    recent = shortlinks.short_link_make(target="/gigs/", expires_at=NOW - timedelta(days=29))
    assert purge_short_links.apply().get() == 1
    assert purge_short_links.apply().get() == 0  # idempotent
    assert list(ShortLink.objects.values_list("code", flat=True)) == [recent.removeprefix("/s/")]
    assert not ShortLink.objects.filter(code=old.removeprefix("/s/")).exists()
