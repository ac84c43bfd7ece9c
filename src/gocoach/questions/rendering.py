"""Question text to HTML: Markdown (no raw HTML), Go code highlighted by Pygments, diagrams as is.

    >>> render_markdown("```go\\nfunc f() {}\\n```")
    Markup('<pre class="highlight"><code class="language-go"><span class="kd">func</span> …')
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import GoLexer

GO_NAMES = {"go", "golang"}
_FORMATTER = HtmlFormatter(nowrap=True)
_LEXER = GoLexer()


def _highlight(code: str, lang: str, _attrs: str) -> str:
    if lang.lower() not in GO_NAMES:
        return ""  # markdown-it escapes it and keeps it in <pre><code>: diagrams stay monospaced
    spans = highlight(code, _LEXER, _FORMATTER)
    return f'<pre class="highlight"><code class="language-go">{spans}</code></pre>'


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable("table")


_MD = _parser()


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """Markdown to safe HTML (raw HTML in the source is shown as text)."""
    return Markup(_MD.render(text))


def render_inline(text: str) -> Markup:
    """One line of Markdown (a title, a key point) without the surrounding paragraph."""
    return Markup(_MD.renderInline(text))


def pygments_css() -> str:
    """The stylesheet for highlighted code (shipped as static/pygments.css)."""
    return str(HtmlFormatter(style="default").get_style_defs(".highlight"))
