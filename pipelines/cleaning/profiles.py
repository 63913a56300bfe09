"""CMS profiles as data: where common Chinese CMSs put the article, its title and its info line.

Each profile lists content-container markers (``tag``, ``attr``, ``value`` matched as a whole
class token or an exact id, case-insensitive). The density extractor finds the article by
itself; a profile marker only makes it prefer a known container inside what it found, when
that container holds most of the same text. ``clean_document(profile=NAME)`` limits the
markers to one profile (a profile without content markers of its own uses them all).

A profile may also carry ``urls``: the URL shapes of the CMS, so that a source on it needs only
a start URL (``crawler.sources`` anchors them; see there). ``base`` is matched against the start
URL's path and its named groups fill the ``{name}`` placeholders of the ``reports`` and
``listing`` path patterns; the crawler prefixes them with the start URL's scheme and host.
Only shapes seen on real government sites are here; what is not sure is said so.
"""

from __future__ import annotations

PROFILES: dict[str, dict] = {
    # TRS WCM: the most common CMS of Chinese government sites.
    "trs": {
        "content": [
            ("class", "trs_editor"),
            ("class", "trs_paper_default"),
            ("class", "trs_word"),
            ("class", "trs_web"),
            ("id", "trs_editor"),
        ],
        "title": [("class", "xxgk_title"), ("class", "article-title")],
        # a column (栏目) is a folder: index.html, index_1.html … list it, and its articles are
        # tYYYYMMDD_N.html below it (usually ./YYYYMM/); the scope is the start URL's folder.
        # (Some TRS sites publish .htm or .shtml: give those `reports` explicitly.)
        "urls": {
            "base": r"^(?P<dir>.*/)",
            "reports": [r"{dir}(?:[^?#]*/)?t\d{8}_\d+\.html$"],
            "listing": [r"{dir}(?:index(?:_\d+)?\.html)?$"],
        },
    },
    # Common gov templates (TRS, Hanweb 大汉, Bosssoft 博思, Kaipu 开普…): the zoom/content box.
    "gov": {
        "content": [
            ("id", "zoom"),
            ("id", "zoomcon"),
            ("id", "fontzoom"),
            ("class", "zoom"),
            ("id", "ucap-content"),
            ("class", "pages_content"),
            ("class", "article-con"),
            ("id", "textcontent"),
            ("class", "textcontent"),
            ("class", "wzcon"),
            ("class", "bt_content"),
            ("id", "bt_content"),
            ("class", "contentbox"),
            ("class", "custom_unionstyle"),
            ("id", "barrierfree_container"),
            ("class", "xl-content"),
            ("class", "art_con"),
            ("class", "news_content"),
            ("id", "news_content"),
            ("class", "detail-content"),
            ("class", "details-content"),
        ],
        "title": [("class", "xl-title"), ("class", "art_title"), ("class", "news_title")],
    },
    # Hanweb (大汉) JCMS: the 集约化 platforms of Zhejiang, Jiangsu and others.
    "hanweb": {
        "content": [("id", "zoom"), ("class", "bt-article"), ("id", "barrierfree_container")],
        "title": [],
        # a column is /col/colN/index.html, its pages ?uid=…&pageNum=N (links written by the
        # jpage script; the first page's records sit in a <script type="text/xml"> data island,
        # which crawler.links reads); articles are /art/YYYY/M/D/art_C_N.html under the site's root
        # (C is usually the column's number, but an article may be shown in several columns, so
        # any C is taken). The scope: that column for listing, the site (what precedes /col/) for
        # articles.
        "urls": {
            "base": r"^(?P<site>(?:.*/)?)col/(?P<col>col\d+)/",
            "reports": [r"{site}art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$"],
            "listing": [r"{site}col/{col}/(?:index\.html)?(?:\?(?:uid=\d+&)?pageNum=\d+)?$"],
        },
    },
    # Guangdong's 政务公开目录平台 (gkmlpt), on every provincial, city and county site there:
    # /gkmlpt/index (a script lists the posts from /gkmlpt/api/…, JSON this crawler does not
    # read: the posts are found where an HTML page links them), posts
    # /gkmlpt/content/N/N/post_N.html. Its article markup is not sure enough to name: no
    # markers of its own, so all of them apply.
    "gkmlpt": {
        "content": [],
        "title": [],
        "urls": {
            "base": r"^(?P<site>(?:.*/)?)gkmlpt/",
            "reports": [r"{site}gkmlpt/content/\d+/\d+/post_\d+\.html$"],
            "listing": [r"{site}gkmlpt/(?:m?index)?$"],
        },
    },
    # Generic news/article markup.
    "article": {
        "content": [
            ("class", "article-content"),
            ("class", "article_content"),
            ("id", "article_content"),
            ("class", "post-content"),
            ("class", "entry-content"),
            ("class", "content_text"),
            ("id", "content_text"),
            ("class", "rich_media_content"),
            ("id", "js_content"),
            ("id", "articlecontent"),
            ("class", "articlecontent"),
            ("id", "artibody"),
            ("class", "article-body"),
            ("id", "endtext"),
            ("class", "post_text"),
            ("id", "text"),
            ("class", "main-text"),
            ("id", "main-content"),
        ],
        "title": [
            ("class", "article-title"),
            ("class", "post-title"),
            ("class", "entry-title"),
            ("id", "activity-name"),
        ],
    },
}

# Marker attribute values usable for any page, when no profile is named.
ALL_CONTENT_MARKERS: frozenset[tuple[str, str]] = frozenset(
    m for p in PROFILES.values() for m in p["content"]
)
ALL_TITLE_MARKERS: frozenset[tuple[str, str]] = frozenset(m for p in PROFILES.values() for m in p["title"])


def content_markers(profile: str | None) -> frozenset[tuple[str, str]]:
    if profile and PROFILES.get(profile, {}).get("content"):
        return frozenset(PROFILES[profile]["content"])
    return ALL_CONTENT_MARKERS


def url_shapes(profile: str) -> dict | None:
    """The profile's URL shapes ({base, reports, listing}), None when it has none; KeyError when
    there is no such profile."""
    return PROFILES[profile].get("urls")
