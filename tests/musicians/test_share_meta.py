"""A public profile link pasted in a chat or mail previews well: Open Graph, Twitter card, schema.org Person.

The page is read the way a link unfurler reads it: a plain HTML parser over the served bytes.
"""

import json
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db


class HeadReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.json_ld: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs:
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs["content"]
        self._in_ld = tag == "script" and attrs.get("type") == "application/ld+json"
        if self._in_ld:
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld[-1] += data


def read(client, profile):
    response = client.get(profile.get_absolute_url())
    assert response.status_code == 200
    reader = HeadReader()
    reader.feed(response.content.decode())
    return reader, response.content.decode()


def test_link_preview_names_the_player_instruments_city_and_photo(client, make_profile):
    profile = make_profile(stage_name="Zoë Keys", headline="Hammond and Rhodes for soul sessions", city="Leeds",
                           instruments=("tenor-sax", "flute"), genres=("jazz", "rock"),
                           photo="musicians/photos/1/zoe.jpg")
    reader, _ = read(client, profile)
    meta = reader.meta
    assert meta["og:type"] == "profile"
    assert meta["og:title"].startswith("Zoë Keys")
    assert meta["og:url"] == f"http://testserver{profile.get_absolute_url()}"
    assert meta["og:image"] == "http://testserver/media/musicians/photos/1/zoe.jpg"
    for key in ("og:description", "description", "twitter:description"):
        assert "Zoë Keys" in meta[key] and "Tenor sax" in meta[key] and "Flute" in meta[key]
        assert "Leeds" in meta[key]
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:image"] == meta["og:image"]

    [block] = reader.json_ld
    person = json.loads(block)
    assert person["@type"] == "Person" and person["@context"] == "https://schema.org"
    assert person["name"] == "Zoë Keys"
    assert person["knowsAbout"] == ["Tenor saxophone", "Flute", "Jazz", "Rock"]
    assert person["address"]["addressLocality"] == "Leeds"
    assert person["image"] == meta["og:image"]


def test_profile_without_photo_previews_with_the_default_image(client, make_profile):
    profile = make_profile(stage_name="Mia Reeds")
    reader, _ = read(client, profile)
    assert reader.meta["og:image"].startswith("http://testserver/static/")
    assert "gigbook-512" in reader.meta["og:image"]
    assert client.get(reader.meta["og:image"].removeprefix("http://testserver")).status_code == 200
    assert reader.meta["twitter:card"] == "summary"
    assert json.loads(reader.json_ld[0])["name"] == "Mia Reeds"


def test_musician_text_cannot_break_out_of_the_structured_data(client, make_profile):
    hostile = '</script><script>alert(1)</script><!-- & "quotes"'
    profile = make_profile(stage_name="Sam Hostile", headline=hostile)
    reader, html = read(client, profile)
    assert "<script>alert(1)" not in html
    [block] = reader.json_ld
    assert json.loads(block)["description"] == hostile
    assert reader.meta["og:description"].endswith(hostile)


def test_preview_never_carries_the_home_position_or_unreviewed_edits(client, make_profile):
    profile = make_profile(stage_name="Lou Bass", lat_lng=(51.512345, -0.098765),
                           pending_changes={"headline": "Not reviewed yet"}, changes_state="pending")
    _, html = read(client, profile)
    assert "51.512345" not in html and "-0.098765" not in html
    assert "Not reviewed yet" not in html


def test_records_remotely_reads_as_yes_or_no(client, make_profile):
    # yesno splits its argument on commas, so "Yes, from a home studio,No" printed "from a home studio" for No.
    _, html = read(client, make_profile(records_remotely=False))
    assert "<dd>No</dd>" in html and "home studio" not in html
    _, html = read(client, make_profile(records_remotely=True))
    assert "<dd>Yes, from a home studio</dd>" in html
