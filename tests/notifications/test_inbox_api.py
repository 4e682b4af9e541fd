import pytest

from gigbook.notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(musician, producer):
    mine = [
        notify(recipient=musician, kind="offer", title=f"Offer {n}", body="Body <b>bold</b>", url=f"/gigs/{n}/")
        for n in range(3)
    ]
    theirs = notify(recipient=producer, kind="accepted", title="Accepted", body="Yes")
    return mine, theirs


def test_list_shows_only_my_notifications_newest_first(client_for, musician, inbox, django_assert_num_queries):
    mine, _ = inbox
    client = client_for(musician)
    with django_assert_num_queries(2):  # count + page
        response = client.get("/api/notifications/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [item["id"] for item in body["results"]] == [n.id for n in reversed(mine)]
    assert body["results"][0]["is_read"] is False


def test_query_count_does_not_grow_with_page_size(client_for, musician, django_assert_num_queries):
    for n in range(30):
        notify(recipient=musician, kind="k", title=str(n), body="b")
    client = client_for(musician)
    with django_assert_num_queries(2):
        assert len(client.get("/api/notifications/?page_size=30").json()["results"]) == 30


def test_mark_read_and_unread_filter(client_for, musician, inbox):
    mine, _ = inbox
    client = client_for(musician)
    response = client.post(f"/api/notifications/{mine[0].id}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert client.get("/api/notifications/?unread=true").json()["count"] == 2
    assert client.post("/api/notifications/read-all/").json() == {"marked": 2}
    assert client.get("/api/notifications/?unread=true").json()["count"] == 0


def test_someone_elses_notification_is_404(client_for, musician, inbox):
    _, theirs = inbox
    client = client_for(musician)
    assert client.get(f"/api/notifications/{theirs.id}/").status_code == 404
    response = client.post(f"/api/notifications/{theirs.id}/read/")
    assert response.status_code == 404
    assert response.json()["detail"]
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_bad_filter_value_is_400(client_for, musician):
    response = client_for(musician).get("/api/notifications/?unread=perhaps")
    assert response.status_code == 400
    assert "unread" in response.json()["errors"]


def test_inbox_page_escapes_text_and_hides_others(client, musician, inbox):
    client.force_login(musician)
    html = client.get("/inbox/").content.decode()
    assert "Offer 2" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "Accepted" not in html


def test_inbox_page_requires_login(client):
    response = client.get("/inbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("bad_id", ["abc", "1.5", "%F3%AB%AD%98", "-1"])
def test_non_numeric_ids_are_404_not_500(client_for, musician, bad_id):
    client = client_for(musician)
    assert client.post(f"/api/notifications/{bad_id}/read/").status_code == 404
    assert client.get(f"/api/notifications/{bad_id}/").status_code == 404
