"""Inputs -> Article: reading files, folders, pages and feeds, and separating each outlet's own
text from page chrome and reader comments.

- ``files``: paths, folders and manifests, URLs and feeds; what cannot be read is skipped;
- ``article``: one text -> body, headings and excluded spans, with outlet, title and date;
- ``html``: a page's visible lines and trafilatura's reading of its main text;
- ``outlets``: the outlet registry (domains, dateline tags, names);
- ``web``: fetching pages and feeds politely.
"""

from .article import WORDY, Rule, complete_years, load_rules, parse_article, unaccounted_words
from .files import ARTICLE_SUFFIXES, MAX_ARTICLE_CHARS, discover, load_manifest, read_articles
from .html import PageText, html_to_text, main_text
from .outlets import Outlet, OutletRegistry, load_outlets, registry

__all__ = ["ARTICLE_SUFFIXES", "MAX_ARTICLE_CHARS", "WORDY", "Outlet", "OutletRegistry", "PageText", "Rule",
           "complete_years", "discover", "html_to_text", "load_manifest", "load_outlets", "load_rules", "main_text",
           "parse_article", "read_articles", "registry", "unaccounted_words"]
