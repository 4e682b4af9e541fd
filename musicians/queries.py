"""Portable query expressions with a PostgreSQL form that can use the GiST indexes.

Each expression means the same thing on every backend (the SQLite demo gets the same results);
on PostgreSQL it is written the way the indexes in migration 0002 are defined, because the
planner only uses an expression index when the query repeats the indexed expression.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import BooleanField, Expression, F, FloatField, Value
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

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
    """The profile's reach rectangle (see models.reach_box) contains the point (lat, lng)."""

    def __init__(self, lat: float, lng: float):
        super().__init__(
            F("reach_lat_min"), F("reach_lat_max"), F("reach_lng_min"), F("reach_lng_max"),
            Value(float(lat)), Value(float(lng)),
        )

    def as_sql(self, compiler, connection, **extra):
        (la0, la1, lo0, lo1, lat, lng), p = self._compiled(compiler, connection)
        sql = f"({la0} <= {lat} AND {la1} >= {lat} AND {lo0} <= {lng} AND {lo1} >= {lng})"
        return sql, (*p[0], *p[4], *p[1], *p[4], *p[2], *p[5], *p[3], *p[5])

    def as_postgresql(self, compiler, connection, **extra):
        (la0, la1, lo0, lo1, lat, lng), p = self._compiled(compiler, connection)
        sql = f"box(point({lo0}, {la0}), point({lo1}, {la1})) @> point({lng}::float8, {lat}::float8)"
        return sql, (*p[2], *p[0], *p[3], *p[1], *p[5], *p[4])


def distance_km_expression(lat: float, lng: float, lat_field: str = "latitude", lng_field: str = "longitude"):
    """Great-circle (haversine) distance in km from the row's position to (lat, lng).

    Same formula and radius as ``musicians.selectors.distance_km``; LEAST(1, …) guards ASIN
    against rounding just above 1 for antipodal points.
    """
    lat_r, lng_r = Radians(F(lat_field)), Radians(F(lng_field))
    v_lat, v_lng = Value(float(lat), output_field=FloatField()), Value(float(lng), output_field=FloatField())
    half_dlat = Sin((lat_r - Radians(v_lat)) / Value(2.0))
    half_dlng = Sin((lng_r - Radians(v_lng)) / Value(2.0))
    inner = Power(half_dlat, 2) + Cos(Radians(v_lat)) * Cos(lat_r) * Power(half_dlng, 2)
    return Value(2.0 * EARTH_RADIUS_KM) * ASin(Sqrt(Least(Value(1.0), inner, output_field=FloatField())))

