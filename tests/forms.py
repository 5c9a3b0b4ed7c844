"""Reading forms out of HTML responses, to post them back as a browser would."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    """The values a browser would submit for one form, read from its HTML."""

    SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in self.SKIPPED_INPUTS:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value") or "on"))
            else:
                self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name and "disabled" not in attrs:
            self.select = {"name": name, "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.select["options"].append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name and "disabled" not in attrs:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = [value for value, selected in self.select["options"] if selected]
            if not chosen and not self.select["multiple"] and self.select["options"]:
                chosen = [self.select["options"][0][0]]
            self.fields.extend((self.select["name"], value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            # Browsers drop the newline that follows <textarea>.
            self.fields.append((name, text.removeprefix("\r\n").removeprefix("\n")))
            self.textarea = None


def form_values(response, form_id):
    """What submitting the form ``form_id`` unchanged would post, as a dict for the test
    client (a list where a name has several values); the empty template rows of inlines
    (``__prefix__``) are left out, as the admin's JavaScript does."""
    assert response.status_code == 200
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    data: dict[str, str | list[str]] = {}
    for name, value in reader.fields:
        if "__prefix__" in name:
            continue
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    assert data, f"no form #{form_id} in the page"
    return data
