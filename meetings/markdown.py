"""Protocol text is written in Markdown and rendered to sanitised HTML.

markdown-it-py renders CommonMark (two-space nested lists, as the protocols
use them); nh3 (the ammonia sanitiser) decides what may reach the page,
so a `<script>` or a `javascript:` link typed into a protocol never does.
"""

from __future__ import annotations

from html import unescape

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote",
    "code", "pre", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}

# Raw HTML in the text is escaped rather than passed on; nh3 is the second line of defence.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def render_markdown(text: str) -> SafeString:
    html = _markdown.render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


def markdown_to_text(text: str) -> str:
    """The words a reader sees, without markup: for search and snippets."""
    html = _markdown.render(text or "")
    plain = unescape(nh3.clean(html, tags=set()))
    return " ".join(plain.split())
