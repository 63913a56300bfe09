"""Chrome rules as data: name → shape of a line that is page furniture, not report text.

Only patterns live here; chrome.py applies them. Kinds:

- ``line``: a line matching ``pattern`` (re.search) is chrome, if it is at most ``max_len``
  characters and lies in ``scope``: ``any`` (the shape is unmistakable anywhere), ``edge``
  (within the first/last ``EDGE`` lines of the text), ``head`` or ``tail``.
- ``cut_tail``: a marker line near the end (last ``TAIL_ZONE`` share of the text, or the rule's
  own ``zone``) after which everything is chrome (related links, comments).
- ``cut_head``: a marker line near the start (first ``HEAD_LINES`` lines) before which
  everything is chrome (breadcrumb: what is above it is site header).
- ``tokens``: the line is made only of these tokens (widgets, date/counter fields) once
  separators are stripped; what is left must be at most ``rest`` characters.

A rule never removes a line that reads like a sentence of the report unless its shape is
unmistakable (``any`` scope patterns are written to fit only chrome).
"""

from __future__ import annotations

EDGE = 6  # lines at each end where edge rules apply
HEAD_LINES = 12  # lines from the top where a breadcrumb cuts everything above it
TAIL_ZONE = 0.35  # share of lines at the end where a tail marker cuts the rest

_DATE = (
    r"(?:(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|(?:19|20)\d\d年\d{1,2}月|(?:19|20)\d{6})"
)
_TIME = r"(?:\d{1,2}[:：]\d\d(?:[:：]\d\d)?)"
DATE = _DATE
TIME = _TIME

RULES: list[dict] = [
    # — navigation —
    {
        "name": "breadcrumb",
        "kind": "cut_head",
        "max_len": 120,
        "pattern": r"^[\s>»·•|]*(?:您|你)?(?:现在|当前|目前|所在)?的?(?:位置|所在位置|当前位置|位置导航)\s*[:：>»]",
    },
    {
        "name": "breadcrumb",
        "kind": "line",
        "scope": "edge",
        "max_len": 80,
        "pattern": r"^\s*(?:首页|主页|网站首页|当前位置)\s*(?:[>»＞/→]|&gt;|\s>\s)",
    },
    {
        "name": "breadcrumb",
        "kind": "line",
        "scope": "edge",
        "max_len": 80,
        "pattern": r"^[^，。；！？]{1,12}(?:\s*(?:[>»＞→]|&gt;|-&gt;)\s*[^，。；！？>»＞→]{1,14}){1,}\s*(?:[>»＞→]|&gt;)\s*[^>»＞→]{1,50}$",
    },
    {
        "name": "prev_next",
        "kind": "line",
        "scope": "any",
        "max_len": 120,
        "pattern": r"^[\s【\[（(/]*(?:阅读上一篇|阅读下一篇|上一篇|下一篇|上一条|下一条|上一页|下一页|上篇|下篇|前一篇|后一篇|较旧一篇|较新一篇|较早一篇|上一则|下一则)\s*[】\])）]?\s*[:：]?",
    },
    {
        "name": "pager",
        "kind": "line",
        "scope": "any",
        "max_len": 120,
        "pattern": r"^(?:\s*(?:首页|尾页|末页|上一页|下一页|上页|下页|共\s*\d+\s*页|第\s*\d+\s*页|\[?\d{1,3}\]?|[<>«»‹›]+|分页|跳转|GO|Go|\|)\s*)+$",
    },
    # — article furniture —
    {
        "name": "editor",
        "kind": "line",
        "scope": "tail",
        "max_len": 80,
        "pattern": r"^[\s【\[（(]*(?:责任编辑|责编|编辑|网络编辑|值班编辑|编审|审核|审校|校对|终审|初审|复审|主编|监制|统筹|撰稿|文字|摄影|制作|出品|美编|作者|记者|通讯员|供稿|编校|签发)\s*[】\])）]?\s*[:：/|]",
    },
    {
        "name": "editor",
        "kind": "line",
        "scope": "any",
        "max_len": 40,
        "pattern": r"^[\s【\[（(]*(?:责任编辑|责编|网络编辑|值班编辑)\s*[】\])）]?\s*[:：]",
    },
    {
        "name": "editor",
        "kind": "line",
        "scope": "edge",
        "max_len": 30,
        "pattern": r"^[（(【\[]\s*(?:责任编辑|责编|编辑|来源|作者|审核|校对|记者)[^）)】\]]{0,20}[）)】\]]$",
    },
    {
        "name": "source_credit",
        "kind": "line",
        "scope": "edge",
        "max_len": 100,
        "pattern": r"^[\s【\[（(]*(?:文章|信息|稿件|新闻|本文|内容|图片|消息)?(?:来源|来自|出处|转自|摘自|来源于)\s*[】\])）]?\s*[:：]",
    },
    {
        "name": "source_credit",
        "kind": "line",
        "scope": "edge",
        "max_len": 100,
        "pattern": r"^(?:本文|文章|稿件)?(?:转载|转自|来源于|摘自)[^，。]{0,40}$",
    },
    {
        "name": "original_title",
        "kind": "line",
        "scope": "edge",
        "max_len": 100,
        "pattern": r"^[\s【\[（(]*原(?:标题|题)\s*[】\])）]?\s*[:：]",
    },
    # the site's own lead-in above a republished text: 【编者按】…, 核心提示：…, 导读：… (not the report's words)
    {
        "name": "editor_note",
        "kind": "line",
        "scope": "head",
        "max_len": 400,
        "pattern": r"^\s*(?:[【\[](?:编者按|编者的话|编前语|编者注|导读|导语|核心提示|内容提要|内容摘要|摘要)[】\]]|"
        r"(?:编者按|编者的话|编前语|编者注|导读|导语|核心提示|内容提要|内容摘要|摘要)\s*[:：])",
    },
    {
        "name": "author",
        "kind": "line",
        "scope": "head",
        "max_len": 40,
        "pattern": r"^[\s【\[（(]*(?:作者|记者|通讯员|本报记者|本网记者|文\s*/|文\s*[:：]|图\s*/|摄影\s*[:：])",
    },
    {
        "name": "correction",
        "kind": "line",
        "scope": "any",
        "max_len": 30,
        "pattern": r"^[\s【\[]*(?:纠错|我要纠错|错误报告|我要报错)[】\]]?$",
    },
    # — sharing, widgets —
    {
        "name": "share",
        "kind": "line",
        "scope": "any",
        "max_len": 60,
        "pattern": r"^[\s【\[]*(?:分享到|分享至|一键分享|分享本页|分享[:：]|扫一扫|微信扫一扫|扫描二维码|用微信扫|打开微信|手机扫描|手机扫一扫|长按二维码|长按识别|关注我们|关注微信|微信公众号[:：]?|扫码)",
    },
    {
        "name": "share",
        "kind": "line",
        "scope": "edge",
        "max_len": 40,
        "pattern": r"^(?:(?:微信|微博|新浪微博|腾讯微博|QQ空间|QQ好友|人人网|豆瓣|朋友圈|QQ|更多|复制链接|\+1)\s*[,，、|/]?\s*){2,}$",
    },
    {
        "name": "widget",
        "kind": "tokens",
        "rest": 1,
        "max_len": 120,
        "tokens": [
            r"【?\s*字[体號号]\s*[:：]?\s*[\[【]?\s*大\s*[\]】]?\s*[\[【]?\s*中\s*[\]】]?\s*[\[【]?\s*小\s*[\]】]?\s*】?",
            r"字[体号]\s*[:：]?",
            r"[\[【]?\s*[大中小]\s*[\]】]?(?=\s|$|[\[【|])",
            r"打印本页|打印文章|打印此页|打印本文|打印|关闭本页|关闭窗口|关闭|收藏本页|加入收藏|收藏|返回顶部|返回列表|返回首页|返回|"
            r"顶部|下载文档|下载附件|下载|保存|复制链接|复制|转发|推荐给好友|推荐|放大|缩小|默认|视力保护色|"
            r"\+?关注|已关注|播报文章|语音播报文章?|举报|不喜欢|Loading\.*|加载中\.*|展开全文|阅读全文|查看全文|点击查看全文|展开阅读全文|点击展开全文|设为首页|网站地图|联系我们|我要评论|发表评论|查看评论|网友评论|暂无评论|评论|点赞|赞|踩|"
            r"登录|注册|退出|忘记密码|用户名|密码|【|】|\[|\]|（|）|\(|\)",
        ],
    },
    {
        "name": "meta_line",
        "kind": "tokens",
        "rest": 2,
        "max_len": 140,
        "need": r"\d|来源|作者|编辑|阅读|点击|浏览",
        "tokens": [
            r"(?:发布|发表|更新|录入|上传|成文|印发|生成)?(?:时间|日期)\s*[:：]\s*",
            r"发布(?:人|机构|单位|者)?\s*[:：]\s*[^\s|｜]{0,20}",
            _DATE + r"(?:\s*" + _TIME + r")?",
            _TIME,
            r"(?:星期|周)[一二三四五六日天]",
            r"(?:信息|文章|稿件|新闻|内容)?来源\s*[:：]\s*[^\s|｜]{0,30}(?:\s[^\s|｜:：]{2,12}(?=\s*$))?",
            r"(?:作者|编辑|责任编辑|责编|记者|通讯员|审核|撰稿|供稿|摄影)\s*[:：]\s*[^\s|｜]{0,16}",
            r"(?:阅读|浏览|点击|访问|查看)(?:次数|数|量)?\s*[:：]?\s*\d*\s*次?",
            r"[\d,]+\s*(?:次阅读|人阅读|次浏览|人浏览|次点击|人次|条评论)",
            r"(?:评论|收藏|点赞|分享)\s*[:：(（]?\s*\d+\s*[)）]?",
            r"(?:暂无|0)评论|我要评论|发表评论",
            r"您是本文第\s*\d+\s*(?:个|位)(?:阅览者|读者|访问者|浏览者)",
            r"(?:访问|浏览|阅读)(?:人数|人次|次数|量)\s*[:：]?\s*\d+",
            r"【?\s*字[体号]\s*[:：]?\s*[\[【]?\s*大\s*[\]】]?\s*[\[【]?\s*中\s*[\]】]?\s*[\[【]?\s*小\s*[\]】]?\s*】?",
            r"打印本页|打印|关闭窗口|关闭|收藏|分享到?|【|】|\[|\]|（|）|\(|\)",
        ],
    },
    # — footers —
    {
        "name": "copyright",
        "kind": "line",
        "scope": "any",
        "max_len": 200,
        "pattern": r"(?:版权所有|版权归|Copyright|copyright|COPYRIGHT|©|ICP备|ICP证|公网安备|网站标识码|网站识别码|互联网新闻信息服务许可)",
    },
    {
        "name": "copyright",
        "kind": "line",
        "scope": "tail",
        "max_len": 120,
        "pattern": r"^[\s【\[]*(?:主办单位|承办单位|主办|承办|协办|技术支持|运行维护|运维|网站维护|联系电话|联系地址|地址|邮编|电话|传真|E-?mail|邮箱)\s*[】\]]?\s*[:：]",
    },
    {
        "name": "copyright",
        "kind": "line",
        "scope": "tail",
        "max_len": 80,
        "pattern": r"(?:建议使用|推荐使用|最佳浏览|分辨率|浏览器.*访问|不良信息举报|举报电话|违法和不良信息)",
    },
    {
        "name": "disclaimer",
        "kind": "line",
        "scope": "tail",
        "max_len": 160,
        "pattern": r"(?:免责声明|版权声明|声明[:：]|本站.{0,20}(?:无关|不代表|不承担|仅供参考|不负责)|来源于网络|"
        r"如有侵权|侵权.{0,10}(?:删除|联系)|转载请注明|未经.{0,12}(?:许可|授权|同意).{0,12}(?:转载|使用|复制)|"
        r"请网友慎重判断|仅代表作者(?:本人)?(?:观点|个人)|不代表本(?:站|网)(?:观点|立场))",
    },
    {
        "name": "disclaimer",
        "kind": "line",
        "scope": "tail",
        "max_len": 500,
        "pattern": r"^(?:Notice|Disclaimer|DISCLAIMER|Statement)\s*[:：]",
    },
    {
        "name": "hotline",
        "kind": "line",
        "scope": "tail",
        "max_len": 80,
        "pattern": r"(?:新闻热线|热线电话|投稿邮箱|投稿电话|报料|爆料|联系我们)\s*[:：]?",
    },
    # — blocks that end the article —
    {
        "name": "disclaimer",
        "kind": "cut_tail",
        "max_len": 300,
        "zone": 0.9,
        "pattern": r"^[\s【\[]*(?:特别声明|免责声明|郑重声明|版权声明)\s*[】\]]?\s*[:：]|以上内容.{0,40}(?:上传并发布|用户上传)|"
        r"本平台仅提供信息存储服务|本站仅提供存储服务",
    },
    {
        "name": "related",
        "kind": "cut_tail",
        "max_len": 20,
        "pattern": r"^[\s【\[]*(?:相关报道|相关链接|相关新闻|相关阅读|相关文章|相关文档|相关稿件|相关推荐|相关信息|相关专题|"
        r"延伸阅读|推荐阅读|热点推荐|热门推荐|热门文章|热点新闻|猜你喜欢|往期回顾|精彩推荐|编辑推荐|今日推荐|"
        r"网友评论|最新评论|热门评论|评论区|发表评论|我要评论|图片新闻|更多新闻|为您推荐|专题推荐|友情链接|"
        r"精彩图片|相关附件)\s*[】\]]?\s*[:：]?\s*(?:更多\s*[>»]*)?$",
    },
    {
        "name": "login",
        "kind": "line",
        "scope": "edge",
        "max_len": 40,
        "pattern": r"^(?:\s*(?:登录|注册|登陆|退出|忘记密码|免费注册|会员登录|用户登录|我的|个人中心|\||/)\s*)+$",
    },
]

# Lines of the text (after everything else) that name the source: "来源：通化日报".
SOURCE_PATTERNS = [
    r"(?:信息|文章|稿件|新闻|内容|本文)?来源\s*[:：]\s*(?P<v>[^\s|｜/]{2,30})",
    r"(?:文章|本文)?来源于\s*[:：]?\s*(?:https?://\S+\s*)?(?P<v>[^\s|｜/]{2,30})",
    r"(?:转自|摘自)\s*[:：]?\s*(?P<v>[《“]?[^\s|｜/，。]{2,30})",
]
DATE_LABELED = r"(?:发布|发表|更新|录入|时间|日期)[^:：\d]{0,4}[:：]?\s*(?P<d>" + _DATE + ")"
