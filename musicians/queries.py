"""Portable query expressions with a PostgreSQL form that can use the GiST indexes.

Each expression means the same thing on every backend (the SQLite demo gets the same results);
on PostgreSQL the busy-time overlap is written the way its GiST indexes are defined, because the
planner only uses an expression index when the query repeats the indexed expression.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import BooleanField, Expression, F, FloatField, Value

from musicians.models import EARTH_RADIUS_KM


class _Condition(Expression):
    conditional = True
    output_field = BooleanField()

    def __init__(self, *expressions):
        super().__init__(output_field=BooleanField())
        self.source_expressions = [self._parse_expressions(e)[0] for e in expressions]

    def get_source_expressions(self):
        return self.source_expressions

    def set_source_expressions(self, exprs):
        self.source_expressions = list(exprs)

    def _compiled(self, compiler, connection):
        sqls, params = [], []
        for expression in self.source_expressions:
            sql, sql_params = compiler.compile(expression)
            sqls.append(sql)
            params.append(tuple(sql_params))
        return sqls, params


class IntervalOverlaps(_Condition):
    """[starts_at, ends_at) overlaps [lo, hi): touching intervals do not overlap."""

    def __init__(self, starts_at: str, ends_at: str, lo: datetime, hi: datetime):
        super().__init__(F(starts_at), F(ends_at), Value(lo), Value(hi))

    def as_sql(self, compiler, connection, **extra):
        (start, end, lo, hi), (p_start, p_end, p_lo, p_hi) = self._compiled(compiler, connection)
        return f"({start} < {hi} AND {end} > {lo})", (*p_start, *p_hi, *p_end, *p_lo)

    def as_postgresql(self, compiler, connection, **extra):
        (start, end, lo, hi), (p_start, p_end, p_lo, p_hi) = self._compiled(compiler, connection)
        sql = f"tstzrange({start}, {end}, '[)') && tstzrange({lo}::timestamptz, {hi}::timestamptz, '[)')"
        return sql, (*p_start, *p_end, *p_lo, *p_hi)


class ReachContains(_Condition):
    """The profile's reach rectangle (see models.reach_box) contains the point (lat, lng).

    Four plain comparisons on every backend. A GiST index on box(...) @> point(...) was tried
    (bench/README.md): PostgreSQL has no statistics for geometric operators and guessed 0.1 %
    of rows, which sent the planner into nested loops over tens of thousands of rows; plain
    column comparisons get real histogram estimates, and the instrument/genre indexes drive
    the selective searches anyway.
    """

    def __init__(self, lat: float, lng: float):
        super().__init__(
            F("reach_lat_min"), F("reach_lat_max"), F("reach_lng_min"), F("reach_lng_max"),
            Value(float(lat)), Value(float(lng)),
        )

    def as_sql(self, compiler, connection, **extra):
        (la0, la1, lo0, lo1, lat, lng), p = self._compiled(compiler, connection)
        sql = f"({la0} <= {lat} AND {la1} >= {lat} AND {lo0} <= {lng} AND {lo1} >= {lng})"
        return sql, (*p[0], *p[4], *p[1], *p[4], *p[2], *p[5], *p[3], *p[5])


class DistanceKm(Expression):
    """Great-circle (haversine) distance in km from the row's position to (lat, lng).

    Same formula and radius as ``musicians.selectors.distance_km``; LEAST(1, …) guards ASIN
    against rounding just above 1 for antipodal points. Emitted as one SQL string rather than a
    tree of Django functions: the search compiles it twice per request (count and page) and a
    twenty-node expression tree cost milliseconds to compile.
    """

    output_field = FloatField()
    _template = (
        "({diameter} * ASIN(SQRT({least}(1.0, POWER(SIN((RADIANS({lat_col}) - RADIANS(%s)) / 2.0), 2) "
        "+ COS(RADIANS(%s)) * COS(RADIANS({lat_col})) * POWER(SIN((RADIANS({lng_col}) - RADIANS(%s)) / 2.0), 2)))))"
    )

    def __init__(self, lat: float, lng: float, lat_field: str = "latitude", lng_field: str = "longitude"):
        super().__init__(output_field=FloatField())
        self.lat, self.lng = float(lat), float(lng)
        self.source_expressions = [F(lat_field), F(lng_field)]

    def get_source_expressions(self):
        return self.source_expressions

    def set_source_expressions(self, exprs):
        self.source_expressions = list(exprs)

    def _sql(self, compiler, least: str):
        (lat_col, lat_params), (lng_col, lng_params) = (compiler.compile(e) for e in self.source_expressions)
        assert not lat_params and not lng_params  # plain columns
        sql = self._template.format(diameter=repr(2.0 * EARTH_RADIUS_KM), least=least, lat_col=lat_col,
                                    lng_col=lng_col)
        return sql, (self.lat, self.lat, self.lng)

    def as_sql(self, compiler, connection, **extra):
        return self._sql(compiler, "LEAST")

    def as_sqlite(self, compiler, connection, **extra):
        return self._sql(compiler, "MIN")  # SQLite's scalar MIN(a, b) is LEAST


def distance_km_expression(lat: float, lng: float, lat_field: str = "latitude", lng_field: str = "longitude"):
    return DistanceKm(lat, lng, lat_field, lng_field)
