"""Accessibility checks with axe-core (Deque, MPL-2.0), as shipped by the
axe-playwright-python package: ``violations(page)`` runs axe over the page Playwright has
open and returns what it found, ``report(found)`` says it in a few readable lines.

axe is put into the page through Playwright (the DevTools protocol), which the page's
Content-Security-Policy does not govern: the page is checked as visitors get it.
"""

from axe_playwright_python.sync_playwright import Axe

# The rules of WCAG 2.2, levels A and AA, and axe's best practices (headings, landmarks…).
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
SERIOUS = ("serious", "critical")

_axe = Axe()


def violations(page, context=None, tags=RULE_TAGS) -> list[dict]:
    """axe's violations on ``page`` (within the CSS selector ``context``, else the whole
    page), each a dict with ``id``, ``impact`` (minor, moderate, serious, critical),
    ``help`` and the ``nodes`` concerned."""
    options = {"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": list(tags)}}
    return _axe.run(page, context=context, options=options).response["violations"]


def serious(found: list[dict]) -> list[dict]:
    """The violations that stop or seriously hinder somebody."""
    return [violation for violation in found if violation["impact"] in SERIOUS]


def report(found: list[dict]) -> str:
    """One line per violation and the first elements it concerns, for an assertion message."""
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:3]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:150]}")
    return "\n".join(lines)
