"""CMS profiles as data: where common Chinese CMSs put the article, its title and its info line.

Each profile lists content-container markers (``tag``, ``attr``, ``value`` matched as a whole
class token or an exact id, case-insensitive). The density extractor finds the article by
itself; a profile marker only makes it prefer a known container inside what it found, when
that container holds most of the same text. ``clean_document(profile=NAME)`` limits the
markers to one profile.
"""

from __future__ import annotations

PROFILES: dict[str, dict] = {
    # TRS WCM: the most common CMS of Chinese government sites.
    "trs": {
        "content": [("class", "trs_editor"), ("class", "trs_paper_default"), ("class", "trs_word"),
                    ("class", "trs_web"), ("id", "trs_editor")],
        "title": [("class", "xxgk_title"), ("class", "article-title")],
    },
    # Common gov templates (TRS, Hanweb 大汉, Bosssoft 博思, Kaipu 开普…): the zoom/content box.
    "gov": {
        "content": [("id", "zoom"), ("id", "zoomcon"), ("id", "fontzoom"), ("class", "zoom"),
                    ("id", "ucap-content"), ("class", "pages_content"), ("class", "article-con"),
                    ("id", "textcontent"), ("class", "textcontent"), ("class", "wzcon"),
                    ("class", "bt_content"), ("id", "bt_content"), ("class", "contentbox"),
                    ("class", "custom_unionstyle"), ("id", "barrierfree_container"),
                    ("class", "xl-content"), ("class", "art_con"), ("class", "news_content"),
                    ("id", "news_content"), ("class", "detail-content"), ("class", "details-content")],
        "title": [("class", "xl-title"), ("class", "art_title"), ("class", "news_title")],
    },
    # Hanweb (大汉) JCMS.
    "hanweb": {
        "content": [("id", "zoom"), ("class", "bt-article"), ("id", "barrierfree_container")],
        "title": [],
    },
    # Generic news/article markup.
    "article": {
        "content": [("class", "article-content"), ("class", "article_content"), ("id", "article_content"),
                    ("class", "post-content"), ("class", "entry-content"), ("class", "content_text"),
                    ("id", "content_text"), ("class", "rich_media_content"), ("id", "js_content"),
                    ("id", "articlecontent"), ("class", "articlecontent"), ("id", "artibody"),
                    ("class", "article-body"), ("id", "endtext"), ("class", "post_text"),
                    ("id", "text"), ("class", "main-text"), ("id", "main-content")],
        "title": [("class", "article-title"), ("class", "post-title"), ("class", "entry-title"),
                  ("id", "activity-name")],
    },
}

# Marker attribute values usable for any page, when no profile is named.
ALL_CONTENT_MARKERS: frozenset[tuple[str, str]] = frozenset(
    m for p in PROFILES.values() for m in p["content"])
ALL_TITLE_MARKERS: frozenset[tuple[str, str]] = frozenset(
    m for p in PROFILES.values() for m in p["title"])


def content_markers(profile: str | None) -> frozenset[tuple[str, str]]:
    if profile and profile in PROFILES:
        return frozenset(PROFILES[profile]["content"])
    return ALL_CONTENT_MARKERS
