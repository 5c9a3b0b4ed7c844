"""Reading pages as a person does: elements, their text and links, in the page's language."""

import re
from html.parser import HTMLParser

from django.utils import translation
from django.utils.html import VOID_ELEMENTS


class Node:
    def __init__(self, tag: str, attrs):
        self.tag = tag
        self.attrs = {name: value or "" for name, value in attrs}
        self.children: list[Node | str] = []


class TreeBuilder(HTMLParser):
    """The page as a tree of ``Node``, its texts unescaped and kept as they are."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [])
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs)
        self.open[-1].children.append(node)
        if tag not in VOID_ELEMENTS:
            self.open.append(node)

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(response) -> Node:
    builder = TreeBuilder()
    builder.feed(response.content.decode())
    builder.close()
    return builder.root


def find_all(node: Node, tag: str, cls: str | None = None, **attrs) -> list[Node]:
    """Descendants named ``tag`` (with class ``cls`` and the given attributes), in order."""
    found = []
    for child in node.children:
        if isinstance(child, str):
            continue
        if (
            tag in (child.tag, "*")
            and (cls is None or cls in child.attrs.get("class", "").split())
            and all(child.attrs.get(name.replace("_", "-")) == v for name, v in attrs.items())
        ):
            found.append(child)
        found.extend(find_all(child, tag, cls, **attrs))
    return found


def find(node: Node, tag: str, cls: str | None = None, **attrs) -> Node:
    found = find_all(node, tag, cls, **attrs)
    assert found, f"no <{tag} class={cls!r} {attrs}> in the page"
    return found[0]


def text(node: Node | str) -> str:
    """The text a reader sees, ASCII white space collapsed (non-breaking spaces kept)."""

    def raw(node):
        return node if isinstance(node, str) else "".join(raw(child) for child in node.children)

    return re.sub(r"[ \t\n\r\f]+", " ", raw(node)).strip()


def tr(message: str, language: str = "fr") -> str:
    with translation.override(language):
        return translation.gettext(message)


def tr_count(singular: str, plural: str, count: int, language: str = "fr") -> str:
    with translation.override(language):
        return translation.ngettext(singular, plural, count) % {"counter": count}
