"""Post Markdown: the safe subset, the XSS corpus, excerpts, link counts and quoting (no HTTP)."""
from __future__ import annotations

import html
import re
import time
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from portal.community import markup
from portal.community.markup import (
    ALLOWED_TAGS,
    LINK_REL,
    MAX_POST_LENGTH,
    count_links,
    plain_excerpt,
    quote,
    render_markdown,
)

REL = f'rel="{LINK_REL}"'

# OWASP XSS filter-evasion cheat sheet and friends, written the ways a resident's post could carry them.
XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;script:alert(1))",
    "[x](&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java&#9;script:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](java\x00script:alert(1))",
    "[x](\x00javascript:alert(1))",
    "[x](&#x20;javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    '[x]( javascript:alert(1) "title")',
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "[x](vbscript:msgbox(1))",
    "<vbscript:msgbox(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:image/png;base64,iVBORw0KGgo=)",
    "<data:text/html,alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>">',
    '<a href="http://example.com" onclick="alert(1)">x</a>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<b onmouseover=alert(1)>unclosed",
    "<div><p><a href='http://x.example'>never closed",
    '<p style="color:red">styled</p>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<xss style="behavior:url(x.htc)">',
    "<style>@import 'javascript:alert(1)';</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    '<base href="javascript:alert(1)//">',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    '<form action="javascript:alert(1)"><input type=submit>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    '![x](http://example.com/a.png "onerror=alert(1)")',
    '![x" onerror="alert(1)](http://example.com/a.png)',
    "![x](javascript:alert(1))",
    '[x](http://example.com" onclick="alert(1))',
    '[x](http://example.com/"><script>alert(1)</script>)',
    '<http://example.com/" onmouseover="alert(1)>',
    "[<img src=x onerror=alert(1)>](http://example.com)",
    "*<img src=x onerror=alert(1)>*",
    "`<script>alert(1)</script>`",
    "> > > <script>alert(1)</script>\n> > [x](javascript:alert(1))",
    "[\u202egpj.exe](http://evil.example/)",
    "\u202e<script>alert(1)</script>\u202c",
    "a\x00b<script>\x00alert(1)</script>",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "[x](http://example.com)<svg/onload=alert(1)>",
]

BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
FORBIDDEN_ELEMENTS = ("<script", "<img", "<svg", "<iframe", "<style", "<math", "<base", "<object",
                      "<embed", "<form", "<input", "<meta", "<link", "<body", "<video", "<source", "<details")


class Tags(HTMLParser):
    """Every start tag of the output, with its attributes and raw text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]], str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs, self.get_starttag_text()))

    handle_startendtag = handle_starttag


def start_tags(output: str):
    parser = Tags()
    parser.feed(output)
    parser.close()
    return parser.tags


def scheme_of(url: str) -> str:
    """What a browser would take as the scheme of an (already HTML-decoded) attribute value:
    controls and whitespace removed, lowercased."""
    url = re.sub(r"[\x00-\x20\x7f]", "", url).lower()
    match = re.match(r"^([a-z][a-z0-9+.\-]*):", url)
    return match.group(1) + ":" if match else ""


def assert_safe(output: str) -> None:
    lowered = output.lower()
    for element in FORBIDDEN_ELEMENTS:
        assert element not in lowered, element
    # Handlers and styles inside tags (text such as "&lt;img onerror=…&gt;" is escaped and inert).
    assert not re.search(r"<[^>]*\son\w+\s*=", output, re.I)
    assert not re.search(r"<[^>]*\bstyle\s*=", output, re.I)
    for tag, attrs, raw in start_tags(output):
        assert tag in ALLOWED_TAGS, tag
        assert not re.search(r"\son\w+\s*=", raw, re.I), raw
        assert "style=" not in raw.lower(), raw
        names = {name for name, _value in attrs}
        if tag == "a":
            assert names <= {"href", "rel"}, raw
            assert dict(attrs).get("rel") == LINK_REL, raw
            assert REL in raw, raw
        else:
            assert not names, raw
        for _name, value in attrs:
            assert scheme_of(value or "") not in BAD_SCHEMES, raw
            assert not any(bad in (value or "").lower() for bad in BAD_SCHEMES), raw
    for anchor in re.findall(r"<a\b[^>]*>", output):
        assert REL in anchor
    for href in re.findall(r'<a\b[^>]*\shref="([^"]*)"', output):  # real tags: text has "&lt;"
        assert scheme_of(html.unescape(href)) in ("", "http:", "https:", "mailto:"), href


def test_the_corpus_is_big_enough():
    assert len(XSS_CORPUS) >= 40
    assert len(set(XSS_CORPUS)) == len(XSS_CORPUS)


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_corpus_renders_harmless(payload):
    output = render_markdown(payload)
    assert_safe(output)
    assert "\x00" not in output and "\u202e" not in output
    assert render_markdown(payload) == output  # deterministic


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_corpus_inside_markdown_structures(payload):
    for wrapped in (f"> {payload}", f"- {payload}\n- two", f"**{payload}**", f"[{payload}](https://ok.example)",
                    f"1. {payload}\n\n   > {payload}", f"text {payload} text"):
        assert_safe(render_markdown(wrapped))


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_corpus_excerpt_and_link_count(payload):
    excerpt = plain_excerpt(payload)
    assert "\x00" not in excerpt and "\u202e" not in excerpt
    assert count_links(payload) == len(re.findall(r"<a\b[^>]*\bhref=", render_markdown(payload)))


def test_raw_html_is_shown_as_text_not_dropped():
    assert render_markdown("<img src=x onerror=alert(1)>") == "<p>&lt;img src=x onerror=alert(1)&gt;</p>"
    assert render_markdown("<b>bold?</b>") == "<p>&lt;b&gt;bold?&lt;/b&gt;</p>"


def test_bad_links_stay_as_typed_text():
    assert render_markdown("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>"
    assert render_markdown("[x](data:image/png;base64,AAAA)") == "<p>[x](data:image/png;base64,AAAA)</p>"
    assert render_markdown("[x](java&#9;script:alert(1))") == "<p>[x](java\tscript:alert(1))</p>"


# ------------------------------------------------------------------ the subset


def test_the_supported_subset():
    source = ("Hello *you* and **all**, see `code <b>` and [the map](https://example.com/map?a=1&b=2).\n"
              "Second line\n\n- one\n- two\n\n1. first\n2. second\n\n> quoted\n> > nested\n\n"
              "mail <mailto:ops@example.com> or <https://example.com>")
    assert render_markdown(source) == (
        '<p>Hello <em>you</em> and <strong>all</strong>, see <code>code &lt;b&gt;</code> and '
        f'<a href="https://example.com/map?a=1&amp;b=2" {REL}>the map</a>.<br>\nSecond line</p>\n'
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n"
        "<blockquote>\n<p>quoted</p>\n<blockquote>\n<p>nested</p>\n</blockquote>\n</blockquote>\n"
        f'<p>mail <a href="mailto:ops@example.com" {REL}>mailto:ops@example.com</a> or '
        f'<a href="https://example.com" {REL}>https://example.com</a></p>'
    )


def test_hard_break_with_two_spaces_and_relative_links():
    assert render_markdown("a  \nb") == "<p>a<br>\nb</p>"
    assert render_markdown("[r](/requests/1234-5678)") == f'<p><a href="/requests/1234-5678" {REL}>r</a></p>'


@pytest.mark.parametrize("source, element", [
    ("# Heading", "<h1"), ("Title\n=====", "<h1"), ("| a | b |\n|---|---|\n| 1 | 2 |", "<table"),
    ("![alt](http://example.com/a.png)", "<img"), ("```\ncode\n```", "<pre"), ("    indented", "<pre"),
    ("---", "<hr"), ("~~gone~~", "<s>"),
])
def test_features_outside_the_subset_do_not_render(source, element):
    output = render_markdown(source)
    assert element not in output
    assert_safe(output)


def test_an_image_becomes_a_link():
    assert render_markdown('![a cat](https://example.com/cat.png "title")') == (
        f'<p>!<a href="https://example.com/cat.png" {REL}>a cat</a></p>')


def test_author_rel_and_title_are_replaced():
    output = render_markdown('[x](https://example.com "hover me")')
    assert output == f'<p><a href="https://example.com" {REL}>x</a></p>'


def test_bidi_controls_are_stripped_and_joiners_kept():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    source = f"[\u202egpj\u202c.exe](https://example.com) \u2066x\u2069 {family} \u200fعربي\u200e می\u200cخواهم"
    output = render_markdown(source)
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", output)
    assert family in output and "\u200f" in output and "\u200c" in output
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", render_markdown("a&#x202E;b&#8294;c"))


def test_control_characters_go_and_line_endings_are_unified():
    assert render_markdown("a\x00b\x07c\r\nd\re") == "<p>abc<br>\nd<br>\ne</p>"


def test_empty_posts_render_empty():
    assert render_markdown("") == "" and render_markdown("  \n\n ") == "" and render_markdown(None) == ""


def test_rendering_is_deterministic():
    source = "Hi *all* [x](https://example.com) \u202e <b>\n\n> q"
    first = render_markdown(source)
    markup._render.cache_clear()
    assert render_markdown(source) == first
    assert markup._markdown().render(source) == markup._MD.render(source)


@pytest.mark.parametrize("source", [
    "[" * MAX_POST_LENGTH, "![" * (MAX_POST_LENGTH // 2), "*a" * (MAX_POST_LENGTH // 2),
    ">" * MAX_POST_LENGTH, "- " * (MAX_POST_LENGTH // 2), "`a" * (MAX_POST_LENGTH // 2),
    "<a" * (MAX_POST_LENGTH // 2), "[x](" * (MAX_POST_LENGTH // 4),
])
def test_pathological_posts_of_the_maximum_length_finish(source):
    markup._render.cache_clear()
    started = time.perf_counter()
    output = render_markdown(source)
    assert time.perf_counter() - started < 15  # linear, about 1 s at worst; catches a blow-up
    assert_safe(output)


def test_max_post_length():
    assert MAX_POST_LENGTH == 20_000


# ------------------------------------------------------------------ links


@pytest.mark.parametrize("source, links", [
    ("", 0),
    ("no links at all", 0),
    ("bare https://spam.example is text, not a link", 0),
    ("[a](https://a.example) and [b](http://b.example)", 2),
    ("[a](https://a.example) [a](https://a.example)", 2),
    ("<https://a.example> <mailto:x@example.com>", 2),
    ("![img](https://a.example/x.png)", 1),
    ("[r][ref]\n\n[ref]: https://a.example", 1),
    ("[x](javascript:alert(1)) [y](data:text/html,x) [z](vbscript:x)", 0),
    ("`[a](https://a.example)`", 0),
    ("> [a](https://a.example)\n- [b](/relative)", 2),
])
def test_count_links(source, links):
    assert count_links(source) == links


# ------------------------------------------------------------------ excerpts


def test_excerpt_is_plain_text():
    source = "**Pothole** on _Main St_: see [the photo](https://example.com/p).\n\n- deep\n- wide\n\n> old news"
    assert plain_excerpt(source) == "Pothole on Main St: see the photo. deep wide old news"


def test_excerpt_keeps_what_was_typed_as_text():
    # Plain text: characters come back as typed; escaping is the job of whoever embeds it.
    assert plain_excerpt("a < b & c > d, <b>not bold</b> &amp;") == "a < b & c > d, <b>not bold</b> &"


def test_excerpt_cuts_at_a_word_with_an_ellipsis():
    source = "word " * 100
    excerpt = plain_excerpt(source, 40)
    assert len(excerpt) <= 40 and excerpt.endswith("word…") and "  " not in excerpt
    assert plain_excerpt("short text", 40) == "short text"
    assert plain_excerpt("exactly ten", 11) == "exactly ten"


def test_excerpt_cuts_a_long_word_without_splitting_characters():
    assert plain_excerpt("x" * 500, 10) == "x" * 9 + "…"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    for length in range(2, 12):
        excerpt = plain_excerpt(family * 5, length)
        assert not excerpt.rstrip("…").endswith("\u200d")
        assert excerpt.rstrip("…").replace(family, "") == ""  # whole emoji only
    accented = "e\u0301" * 30
    for length in range(2, 12):
        assert not plain_excerpt(accented, length).rstrip("…").endswith("e")


def test_excerpt_of_arabic_and_bad_input():
    assert plain_excerpt("مرحبا **بالجيران**") == "مرحبا بالجيران"
    assert plain_excerpt("a\u202eb\x00c") == "abc"
    assert plain_excerpt("") == ""
    with pytest.raises(ValueError):
        plain_excerpt("x", 0)


# ------------------------------------------------------------------ quoting


def test_quote_format():
    assert quote("first line\n\nsecond", "Ann") == "Ann wrote:\n> first line\n>\n> second\n\n"


def test_quote_nests_earlier_quotes_and_renders_as_a_blockquote():
    reply = quote("> earlier\n\nmine\r\nmore", "Ann") + "I agree"
    assert reply == "Ann wrote:\n> > earlier\n>\n> mine\n> more\n\nI agree"
    assert render_markdown(reply) == (
        "<p>Ann wrote:</p>\n<blockquote>\n<blockquote>\n<p>earlier</p>\n</blockquote>\n"
        "<p>mine<br>\nmore</p>\n</blockquote>\n<p>I agree</p>")


def test_quote_escapes_the_author_name():
    reply = quote("hi", "[win a prize](http://spam.example) *Bob* \u202e<b>")
    output = render_markdown(reply)
    assert count_links(reply) == 0
    assert output.startswith("<p>[win a prize](http://spam.example) *Bob* &lt;b&gt; wrote:</p>")


def test_quote_of_an_empty_post_and_a_multiline_name():
    assert quote("", "Ann\nLee") == "Ann Lee wrote:\n\n"


def test_quoting_quoted_xss_stays_safe():
    for payload in XSS_CORPUS:
        assert_safe(render_markdown(quote(quote(payload, "A"), "<script>B</script>")))


@pytest.fixture()
def babel_app():
    app = Flask(__name__)
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    Babel(app)
    with app.app_context():
        yield app


def test_quote_inside_an_app_in_another_language(babel_app):
    with babel_app.test_request_context(), force_locale("ar"):
        reply = quote("نص", "سلمى")
    assert reply.endswith("\n> نص\n\n") and "سلمى" in reply
