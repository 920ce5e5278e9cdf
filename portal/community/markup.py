"""Posts on the neighbourhood boards: a small, safe Markdown, plain excerpts, link counts, quoting.

Markdown goes through markdown-it-py's "js-default" preset (raw HTML off) with everything but
paragraphs, emphasis, lists, links, blockquotes, line breaks and inline code turned off, and then
through nh3 (ammonia) with a tag, attribute and URL-scheme allowlist, so even a markdown-it bug
cannot put a script, a handler or a `javascript:` link on the page. The result is stored in
`Post.html` once, when the post is written; rendering is deterministic.

Pure functions: no request, no database.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from html.parser import HTMLParser

import nh3
from flask_babel import gettext as _
from markdown_it import MarkdownIt

MAX_POST_LENGTH = 20_000

ALLOWED_TAGS = frozenset({"p", "br", "em", "strong", "ul", "ol", "li", "a", "blockquote", "code"})
# `rel` is set (and any author-supplied value replaced) by nh3's link_rel; nh3 refuses `rel` in the
# allowlist when link_rel is on. "*": nothing, so ammonia's default generic `lang`/`title` go too.
ALLOWED_ATTRIBUTES = {"a": {"href"}, "*": set()}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# Bidi embeddings/overrides (U+202A–U+202E) and isolates (U+2066–U+2069) flip how a link's text
# or a name reads ("Trojan Source" spoofing). LRM/RLM/ALM and ZWJ/ZWNJ stay: Arabic, Persian
# and emoji need them. Other control characters (NUL, C0 except tab/newline, DEL, C1) go too.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_BLOCKS = frozenset({"p", "br", "li", "ul", "ol", "blockquote"})
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()<>!#+\-.|~{}&])")  # what can start Markdown syntax


def _normalise(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _INVISIBLE.sub("", text)


def _link_allowed(url: str) -> bool:
    """markdown-it's own check, tightened: only http(s), mailto and relative links become links;
    anything else stays as the text the author typed. A colon before the first `/`, `?` or `#`
    without an allowed scheme (`java%09script:…`, `%20javascript:…`) is refused too: such a
    reference is not a valid relative one (RFC 3986 §4.2)."""
    url = url.strip()
    match = _SCHEME.match(url)
    if match:
        return match.group(1).lower() in URL_SCHEMES
    return ":" not in re.split(r"[/?#]", url, maxsplit=1)[0]


def _markdown() -> MarkdownIt:
    md = MarkdownIt("js-default", {"breaks": True, "html": False, "linkify": False, "typographer": False})
    md.disable([
        "table", "heading", "lheading", "code", "fence", "hr", "html_block",  # block
        "image", "html_inline", "strikethrough",  # inline
    ])
    md.validateLink = _link_allowed
    return md


_MD = _markdown()
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


def render_markdown(text: str) -> str:
    """Safe HTML for a post written in Markdown; the same text always gives the same HTML."""
    return _render(text or "")


# Writing a post renders it, counts its links and takes its excerpt: one render, not three
# (a 20,000-character pathological post takes about a second in markdown-it-py).
@functools.lru_cache(maxsize=32)
def _render(text: str) -> str:
    text = _normalise(text)
    if not text.strip():
        return ""
    # Character references (`&#x202E;`) are decoded by markdown-it, so strip again before nh3.
    return _CLEANER.clean(_INVISIBLE.sub("", _MD.render(text))).strip()


class _Reader(HTMLParser):
    """Text and links of sanitised HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links = 0

    def handle_starttag(self, tag, attrs):
        if tag == "a" and any(name == "href" for name, _value in attrs):
            self.links += 1
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def _read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def count_links(text: str) -> int:
    """How many links the post shows once rendered (for the new-account link limit).

    Bare URLs are not links: linkify is off, so they render as plain, unclickable text."""
    return _read(render_markdown(text)).links


def _cut_point(text: str, end: int) -> int:
    """Move `end` back so that no combining mark, variation selector or ZWJ sequence is split."""
    while 0 < end < len(text):
        after, before = text[end], text[end - 1]
        if (unicodedata.combining(after) or unicodedata.category(after) in ("Mn", "Me", "Mc")
                or after in "\u200d\u200c" or before in "\u200d\u200c"
                or "\ufe00" <= after <= "\ufe0f" or "\U0001f3fb" <= after <= "\U0001f3ff"):
            end -= 1
        else:
            break
    return end


def plain_excerpt(text: str, length: int = 140) -> str:
    """The first words of a post as plain text, at most `length` characters (an ellipsis included).

    No markup: emphasis, lists and quotes are flattened and links become their text. The result is
    *plain text* – what the author typed, `<` and `&` included – so it must be escaped wherever it
    is put into HTML or XML (Jinja's autoescape and ElementTree do that)."""
    if length < 1:
        raise ValueError("length must be at least 1")
    words = " ".join("".join(_read(render_markdown(text)).parts).split())
    if len(words) <= length:
        return words
    end = length - 1  # room for the ellipsis
    space = words.rfind(" ", 0, end + 1)
    if space > length // 2:
        end = space
    end = _cut_point(words, end)
    return words[:end].rstrip(" ,;:–—-") + "…"


def _escape_markdown(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def quote(text: str, author: str) -> str:
    """Markdown quoting `text` by `author` at the top of a reply: an attribution line, the post with
    every line behind `> ` (earlier quotes nest), and an empty line to write under.

    The author's name is escaped, so a name like `[win](http://spam)` stays a name."""
    body = _normalise(text).strip("\n")
    name = _escape_markdown(" ".join(_normalise(author).split()))
    lines = ["> " + line if line.strip() else ">" for line in body.split("\n")] if body.strip() else []
    attribution = _("%(author)s wrote:", author=name)
    return "\n".join([attribution, *lines]) + "\n\n"
