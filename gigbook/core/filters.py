"""Filter pieces shared by the API's filtersets."""

import django_filters
from django import forms


class StrictBooleanField(forms.Field):
    """true/false (or 1/0, yes/no); anything else is a 400, never silently ignored."""

    TRUE = {"true", "1", "yes"}
    FALSE = {"false", "0", "no"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField
