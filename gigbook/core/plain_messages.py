"""DRF's field error messages, said once in plain words for the whole app.

DRF's defaults speak to developers ("A valid number is required.", "Datetime has wrong format. Use
one of these formats instead: …", "Invalid pk "3" - object does not exist."); people read these next
to a form field, so they must name no field, no format and no underscore (tests/core/test_plain_errors.py
walks every input serializer). ``install()`` runs from ``CoreConfig.ready()``: DRF collects a field's
messages from its classes when the field is built, and serializers deep-copy (rebuild) their declared
fields on every use, so the replacement reaches every serializer.

A subclass that sets its own ``default_error_messages`` keeps them (it is more specific); keep those
plain too.
"""

from __future__ import annotations

from rest_framework import fields, relations, serializers

REQUIRED = "Fill this in."
CHOOSE = "Choose one of the options offered."
DATETIME_INVALID = "Enter a date and a time, e.g. 2027-06-05 19:30."
NUMBER_RANGE = {"max_value": "Enter {max_value} or less.", "min_value": "Enter {min_value} or more.",
                "max_string_length": "This number is too long."}

PLAIN: dict[type, dict[str, str]] = {
    fields.Field: {"required": REQUIRED, "null": REQUIRED},
    fields.BooleanField: {"invalid": "Choose yes or no."},
    fields.CharField: {
        "invalid": "Enter text here.",
        "blank": REQUIRED,
        "max_length": "Keep this to {max_length} characters or fewer.",
        "min_length": "Use at least {min_length} characters.",
    },
    fields.EmailField: {"invalid": "Enter an email address, e.g. name@example.com."},
    fields.RegexField: {"invalid": "This is not in the expected form."},
    fields.SlugField: {"invalid": CHOOSE, "invalid_unicode": CHOOSE},
    fields.URLField: {"invalid": "Enter a web address, e.g. https://example.com/."},
    fields.UUIDField: {"invalid": "This reference is not valid."},
    fields.IPAddressField: {"invalid": "Enter an internet address, e.g. 192.0.2.1."},
    fields.IntegerField: {"invalid": "Enter a whole number, e.g. 3.", **NUMBER_RANGE},
    fields.BigIntegerField: {"invalid": "Enter a whole number, e.g. 3.", **NUMBER_RANGE},
    fields.FloatField: {"invalid": "Enter a number, e.g. 12.5.", "overflow": "This number is too large.",
                        **NUMBER_RANGE},
    fields.DecimalField: {
        "invalid": "Enter an amount, e.g. 180 or 180.50.",
        **NUMBER_RANGE,
        "max_digits": "This amount has too many digits (at most {max_digits}).",
        "max_decimal_places": "Use at most {max_decimal_places} digits after the point.",
        "max_whole_digits": "This amount is too large (at most {max_whole_digits} digits before the point).",
    },
    fields.DateTimeField: {
        "invalid": DATETIME_INVALID,
        "date": "Enter a time as well as the date.",
        "make_aware": "This time does not exist in that time zone (the clocks change then).",
        "overflow": "This date is out of range.",
    },
    fields.DateField: {"invalid": "Enter a date, e.g. 2027-06-05.", "datetime": "Enter only the date, no time."},
    fields.TimeField: {"invalid": "Enter a time, e.g. 19:30."},
    fields.DurationField: {"invalid": "Enter a length of time, e.g. 2:30:00.", **NUMBER_RANGE,
                           "overflow": "This length of time is out of range."},
    fields.ChoiceField: {"invalid_choice": CHOOSE},
    fields.MultipleChoiceField: {"invalid_choice": CHOOSE, "not_a_list": "Choose from the options offered.",
                                 "empty": "Choose at least one."},
    fields.FilePathField: {"invalid_choice": CHOOSE},
    fields.FileField: {
        "required": "Choose a file.",
        "invalid": "This is not a file. Choose the file again.",
        "no_name": "The file has no name. Choose it again.",
        "empty": "The file is empty.",
        "max_length": "The file's name is too long (at most {max_length} characters).",
    },
    fields.ImageField: {"invalid_image": "This is not a picture we can read. Use a JPEG, PNG or WebP image."},
    fields.ListField: {
        "not_a_list": "Give a list here.",
        "empty": "Add at least one.",
        "min_length": "Add at least {min_length}.",
        "max_length": "At most {max_length}, please.",
    },
    fields.DictField: {"not_a_dict": "This is not in the expected form.", "empty": "Add at least one."},
    fields.JSONField: {"invalid": "This is not in the expected form."},
    relations.PrimaryKeyRelatedField: {"required": REQUIRED, "does_not_exist": "No such item (it may have been removed).",
                                       "incorrect_type": "No such item."},
    relations.SlugRelatedField: {"does_not_exist": "Unknown choice “{value}”.", "invalid": CHOOSE},
    relations.ManyRelatedField: {"not_a_list": "Choose from the options offered.", "empty": "Choose at least one."},
    serializers.Serializer: {"invalid": "This is not in the expected form."},
    serializers.ListSerializer: {
        "not_a_list": "Give a list here.",
        "empty": "Add at least one.",
        "max_length": "At most {max_length}, please.",
        "min_length": "Add at least {min_length}.",
    },
}


def install() -> None:
    for cls, messages in PLAIN.items():
        # Replace, not update: the dict belongs to DRF's class and is shared by every field built from it.
        cls.default_error_messages = {**cls.__dict__.get("default_error_messages", {}), **messages}
