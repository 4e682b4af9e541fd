"""Cities offered by the profile editor's picker (and used by the demo data).

Works offline: no geocoding service. A musician elsewhere can type any city name and use "my
location" or enter coordinates; the position only needs to be good to a few kilometres.
"""

from __future__ import annotations

# (name, country code, latitude, longitude, time zone)
CITIES: list[tuple[str, str, float, float, str]] = [
    ("London", "GB", 51.5074, -0.1278, "Europe/London"),
    ("Brighton", "GB", 50.8225, -0.1372, "Europe/London"),
    ("Bristol", "GB", 51.4545, -2.5879, "Europe/London"),
    ("Birmingham", "GB", 52.4862, -1.8904, "Europe/London"),
    ("Manchester", "GB", 53.4808, -2.2426, "Europe/London"),
    ("Liverpool", "GB", 53.4084, -2.9916, "Europe/London"),
    ("Leeds", "GB", 53.8008, -1.5491, "Europe/London"),
    ("Sheffield", "GB", 53.3811, -1.4701, "Europe/London"),
    ("Nottingham", "GB", 52.9548, -1.1581, "Europe/London"),
    ("Oxford", "GB", 51.7520, -1.2577, "Europe/London"),
    ("Cambridge", "GB", 52.2053, 0.1218, "Europe/London"),
    ("Newcastle upon Tyne", "GB", 54.9783, -1.6178, "Europe/London"),
    ("Glasgow", "GB", 55.8642, -4.2518, "Europe/London"),
    ("Edinburgh", "GB", 55.9533, -3.1883, "Europe/London"),
    ("Cardiff", "GB", 51.4816, -3.1791, "Europe/London"),
    ("Belfast", "GB", 54.5973, -5.9301, "Europe/London"),
    ("Dublin", "IE", 53.3498, -6.2603, "Europe/Dublin"),
    ("Cork", "IE", 51.8985, -8.4756, "Europe/Dublin"),
    ("Paris", "FR", 48.8566, 2.3522, "Europe/Paris"),
    ("Lyon", "FR", 45.7640, 4.8357, "Europe/Paris"),
    ("Brussels", "BE", 50.8503, 4.3517, "Europe/Brussels"),
    ("Amsterdam", "NL", 52.3676, 4.9041, "Europe/Amsterdam"),
    ("Rotterdam", "NL", 51.9244, 4.4777, "Europe/Amsterdam"),
    ("Berlin", "DE", 52.5200, 13.4050, "Europe/Berlin"),
    ("Hamburg", "DE", 53.5511, 9.9937, "Europe/Berlin"),
    ("Cologne", "DE", 50.9375, 6.9603, "Europe/Berlin"),
    ("Munich", "DE", 48.1351, 11.5820, "Europe/Berlin"),
    ("Vienna", "AT", 48.2082, 16.3738, "Europe/Vienna"),
    ("Zurich", "CH", 47.3769, 8.5417, "Europe/Zurich"),
    ("Copenhagen", "DK", 55.6761, 12.5683, "Europe/Copenhagen"),
    ("Stockholm", "SE", 59.3293, 18.0686, "Europe/Stockholm"),
    ("Oslo", "NO", 59.9139, 10.7522, "Europe/Oslo"),
    ("Helsinki", "FI", 60.1699, 24.9384, "Europe/Helsinki"),
    ("Madrid", "ES", 40.4168, -3.7038, "Europe/Madrid"),
    ("Barcelona", "ES", 41.3874, 2.1686, "Europe/Madrid"),
    ("Seville", "ES", 37.3891, -5.9845, "Europe/Madrid"),
    ("Lisbon", "PT", 38.7223, -9.1393, "Europe/Lisbon"),
    ("Milan", "IT", 45.4642, 9.1900, "Europe/Rome"),
    ("Rome", "IT", 41.9028, 12.4964, "Europe/Rome"),
    ("Prague", "CZ", 50.0755, 14.4378, "Europe/Prague"),
    ("Warsaw", "PL", 52.2297, 21.0122, "Europe/Warsaw"),
    ("Budapest", "HU", 47.4979, 19.0402, "Europe/Budapest"),
    ("Athens", "GR", 37.9838, 23.7275, "Europe/Athens"),
    ("Istanbul", "TR", 41.0082, 28.9784, "Europe/Istanbul"),
    ("Reykjavik", "IS", 64.1466, -21.9426, "Atlantic/Reykjavik"),
    ("New York", "US", 40.7128, -74.0060, "America/New_York"),
    ("Brooklyn", "US", 40.6782, -73.9442, "America/New_York"),
    ("Boston", "US", 42.3601, -71.0589, "America/New_York"),
    ("Philadelphia", "US", 39.9526, -75.1652, "America/New_York"),
    ("Washington", "US", 38.9072, -77.0369, "America/New_York"),
    ("Atlanta", "US", 33.7490, -84.3880, "America/New_York"),
    ("Miami", "US", 25.7617, -80.1918, "America/New_York"),
    ("Nashville", "US", 36.1627, -86.7816, "America/Chicago"),
    ("Memphis", "US", 35.1495, -90.0490, "America/Chicago"),
    ("New Orleans", "US", 29.9511, -90.0715, "America/Chicago"),
    ("Chicago", "US", 41.8781, -87.6298, "America/Chicago"),
    ("Austin", "US", 30.2672, -97.7431, "America/Chicago"),
    ("Dallas", "US", 32.7767, -96.7970, "America/Chicago"),
    ("Detroit", "US", 42.3314, -83.0458, "America/Detroit"),
    ("Minneapolis", "US", 44.9778, -93.2650, "America/Chicago"),
    ("Denver", "US", 39.7392, -104.9903, "America/Denver"),
    ("Los Angeles", "US", 34.0522, -118.2437, "America/Los_Angeles"),
    ("San Francisco", "US", 37.7749, -122.4194, "America/Los_Angeles"),
    ("Seattle", "US", 47.6062, -122.3321, "America/Los_Angeles"),
    ("Portland", "US", 45.5152, -122.6784, "America/Los_Angeles"),
    ("Las Vegas", "US", 36.1699, -115.1398, "America/Los_Angeles"),
    ("Toronto", "CA", 43.6532, -79.3832, "America/Toronto"),
    ("Montreal", "CA", 45.5017, -73.5673, "America/Toronto"),
    ("Vancouver", "CA", 49.2827, -123.1207, "America/Vancouver"),
    ("Mexico City", "MX", 19.4326, -99.1332, "America/Mexico_City"),
    ("Havana", "CU", 23.1136, -82.3666, "America/Havana"),
    ("Kingston", "JM", 17.9712, -76.7936, "America/Jamaica"),
    ("São Paulo", "BR", -23.5505, -46.6333, "America/Sao_Paulo"),
    ("Rio de Janeiro", "BR", -22.9068, -43.1729, "America/Sao_Paulo"),
    ("Buenos Aires", "AR", -34.6037, -58.3816, "America/Argentina/Buenos_Aires"),
    ("Lagos", "NG", 6.5244, 3.3792, "Africa/Lagos"),
    ("Accra", "GH", 5.6037, -0.1870, "Africa/Accra"),
    ("Johannesburg", "ZA", -26.2041, 28.0473, "Africa/Johannesburg"),
    ("Cape Town", "ZA", -33.9249, 18.4241, "Africa/Johannesburg"),
    ("Nairobi", "KE", -1.2921, 36.8219, "Africa/Nairobi"),
    ("Mumbai", "IN", 19.0760, 72.8777, "Asia/Kolkata"),
    ("Tokyo", "JP", 35.6762, 139.6503, "Asia/Tokyo"),
    ("Seoul", "KR", 37.5665, 126.9780, "Asia/Seoul"),
    ("Singapore", "SG", 1.3521, 103.8198, "Asia/Singapore"),
    ("Sydney", "AU", -33.8688, 151.2093, "Australia/Sydney"),
    ("Melbourne", "AU", -37.8136, 144.9631, "Australia/Melbourne"),
    ("Auckland", "NZ", -36.8485, 174.7633, "Pacific/Auckland"),
]

CURRENCY_BY_COUNTRY = {
    "GB": "GBP", "IE": "EUR", "FR": "EUR", "BE": "EUR", "NL": "EUR", "DE": "EUR", "AT": "EUR", "CH": "CHF",
    "DK": "DKK", "SE": "SEK", "NO": "NOK", "FI": "EUR", "ES": "EUR", "PT": "EUR", "IT": "EUR", "CZ": "CZK",
    "PL": "PLN", "HU": "HUF", "GR": "EUR", "TR": "TRY", "IS": "ISK", "US": "USD", "CA": "CAD", "MX": "MXN",
    "CU": "CUP", "JM": "JMD", "BR": "BRL", "AR": "ARS", "NG": "NGN", "GH": "GHS", "ZA": "ZAR", "KE": "KES",
    "IN": "INR", "JP": "JPY", "KR": "KRW", "SG": "SGD", "AU": "AUD", "NZ": "NZD",
}


def city_match(text: str) -> tuple[str, float, float] | None:
    """The town a typed name means, as (label, latitude, longitude), or None.

    "london", "London", "London, GB" all mean London; any town of the shipped gazetteer
    (``gigbook.places``: every UK and Irish place of 500 people, bigger towns worldwide) is found,
    and a name several countries share needs the country ("Richmond, US") unless one of them is
    clearly meant. Postcodes are not taken: a profile's city is public.
    """
    from gigbook.places.gazetteer import PlaceNotFound, place_resolve

    if not (text or "").strip():
        return None
    try:
        place = place_resolve(text)
    except PlaceNotFound:
        return None
    if place.kind != "town":
        return None
    return place.name, place.latitude, place.longitude
