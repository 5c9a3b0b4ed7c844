"""What every form that takes people's text shares."""

from django import forms

from common.text import without_control_characters

# Separators of lines that are not line feeds: in a text of several lines, line feeds.
_OTHER_LINE_SEPARATORS = str.maketrans({"\u2028": "\n", "\u2029": "\n"})


def typed_text(value: str, *, one_line: bool) -> str:
    """``value`` as a person meant to type it: no control characters (which nobody types
    on purpose, which feeds refuse and which could end an email's header), on one line for
    a one-line field. NUL is left for the field to refuse ("Null characters are not
    allowed."), as Django's text fields do."""
    if not one_line:
        value = value.translate(_OTHER_LINE_SEPARATORS)
    return "\x00".join(
        without_control_characters(part, one_line=one_line) for part in value.split("\x00")
    )


class CleanTextMixin:
    """Keeps control characters out of every text field of the form, before any other
    check (required, length, the form's own ``clean_<field>``) sees the text: line breaks
    stay in a text typed in a ``Textarea`` (a message, a bio) and become spaces anywhere
    else (a name, a title, a subject, which may end up in an email's header). Passwords
    are left as typed."""

    def full_clean(self):
        for field in self.fields.values():
            _keep_control_characters_out(field)
        super().full_clean()


def _keep_control_characters_out(field: forms.Field) -> None:
    if (
        not isinstance(field, forms.CharField)
        or isinstance(field.widget, forms.PasswordInput)
        or getattr(field, "_keeps_control_characters_out", False)
    ):
        return
    one_line = not isinstance(field.widget, forms.Textarea)
    to_python = field.to_python

    def to_text(value):
        if isinstance(value, str):
            value = typed_text(value, one_line=one_line)
        return to_python(value)

    # The form's own copy of the field (``Form.fields`` is copied from the class's for
    # each form): other forms of the class are not touched.
    field.to_python = to_text
    field._keeps_control_characters_out = True
