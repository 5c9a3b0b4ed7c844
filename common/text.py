"""Turning text that people write into safe HTML, and keeping invisible control characters
out of it."""

import re

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def render_markdown(text: str) -> str:
    """Markdown to HTML, then sanitised with an allow-list; links get rel="nofollow ugc"."""
    html = _markdown.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )


# C0 and C1 control characters, DEL included, except tab, line feed and carriage return.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What breaks a line: kept out of one-line texts (names, titles, subjects of emails).
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]+")
# Direction embeddings, overrides and isolates: in a name or a subject they make the text
# read otherwise than it is written ("Trojan source"); kept out of one-line texts.
_DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_control_characters(text: str, *, one_line: bool = False) -> str:
    """``text`` without control characters, which no one types on purpose, which XML
    (feeds) refuses and which, in a name, could end an email header; ``one_line``: line
    breaks and tabs become spaces too, and direction controls go."""
    text = _CONTROL_CHARACTERS.sub("", text)
    if not one_line:
        return text
    return _LINE_BREAKS.sub(" ", _DIRECTION_CONTROLS.sub("", text))
