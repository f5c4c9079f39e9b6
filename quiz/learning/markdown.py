"""Articles: Markdown (markdown-it-py, raw HTML off) rendered to HTML that nh3 then sanitises.
Images load only from the app's own course files (/learning/files/<id>)."""

from __future__ import annotations

import re
from functools import cache

from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
#: an article's image must be one of the app's course files
APP_IMAGE = re.compile(r"^/learning/files/\d+$")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Keep an image's src only when it is an app URL (intranet: nothing loads from outside)."""
    if tag == "img" and attribute == "src":
        return value if APP_IMAGE.match(value) else None
    return value


@cache
def _markdown():
    """The parser, made by the first article a worker renders (markdown-it and nh3 are not loaded
    by every worker at start: most requests are quiz and board requests)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_markdown(text: str) -> Markup:
    """Safe HTML for an article or a case field (no script, no outside images, links rel=noopener)."""
    import nh3

    html = _markdown().render(text or "")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https"},
                      link_rel="noopener noreferrer", attribute_filter=_attribute_filter)
    return Markup(clean)
