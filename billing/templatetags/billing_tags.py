from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, [])


@register.inclusion_tag("billing/_field.html")
def field(name, label, obj, form, errors, help="", multiline=False, inputmode="", autocomplete=""):
    """A labelled input showing what was typed (after an error) or what is saved, with its messages."""
    value = form.get(name) if form else getattr(obj, name, "")
    return {"name": name, "label": label, "value": value, "errors": errors, "help": help, "multiline": multiline,
            "inputmode": inputmode, "autocomplete": autocomplete}
