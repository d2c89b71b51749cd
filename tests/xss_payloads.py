"""Hostile text for the XSS tests: OWASP filter-evasion style, one payload per entry.

A payload that ever runs sets `window.__xss` (or opens a dialog with alert/confirm/prompt), which the
tests watch for. Some payloads are also invalid input (control characters, bidi overrides, 10k
characters): those must be refused with a clear message instead of being shown.
"""

from __future__ import annotations

RUN = "window.__xss=1"

PAYLOADS: tuple[str, ...] = (
    # script elements, plain and disguised
    f"<script>{RUN}</script>",
    "<SCRIPT SRC=//127.0.0.1:1/x.js></SCRIPT>",
    f"<<SCRIPT>{RUN}//<</SCRIPT>",
    f"<scr<script>ipt>{RUN}</scr</script>ipt>",
    f'"><script>{RUN}</script>',
    f"'><script>{RUN}</script>",
    f"</textarea><script>{RUN}</script>",
    f"</div></div></section><img src=x onerror={RUN}>",
    # event handlers
    f"<img src=x onerror={RUN}>",
    f'<img src=x onerror="{RUN}">',
    "<IMG SRC=x oNeRrOr=alert(1)>",
    "<img src=x onerror=&#x77;indow.__xss=1>",
    "<img src=x onerror=\\u0077indow.__xss=1>",
    f'<img """><script>{RUN}</script>">',
    f"<body onload={RUN}>",
    f"<details open ontoggle={RUN}>",
    f"<input autofocus onfocus={RUN}>",
    f"<marquee onstart={RUN}>x</marquee>",
    f"<video><source onerror={RUN}></video>",
    f"<div onmouseover={RUN} style=position:fixed;inset:0>x</div>",
    # SVG and MathML
    f"<svg onload={RUN}>",
    f"<svg><script>{RUN}</script></svg>",
    f"<svg><animate onbegin={RUN} attributeName=x dur=1s>",
    f'<svg><a xlink:href="javascript:{RUN}"><text y=20>x</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    # javascript: and data: URLs, with entity and whitespace evasion
    f'<a href="javascript:{RUN}">klik her</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<img src="jav&#x0A;ascript:alert(1)">',
    '<iframe src="javascript:parent.__xss=1"></iframe>',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    "<form action=javascript:alert(1)><button>send</button></form>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    # already-encoded entities must stay visible as typed
    f"&lt;img src=x onerror={RUN}&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    # broken tags and comments
    "<img src=x onerror=alert(1)",
    f'<!--<img src="--><img src=x onerror={RUN}//">',
    f'<noscript><p title="</noscript><img src=x onerror={RUN}>">',
    # CSS expressions and style injection
    '<div style="width: expression(alert(1))">css</div>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>@import 'http://evil.example/x.css';body{display:none}</style>",
    '<link rel=stylesheet href="http://evil.example/x.css">',
    '<base href="http://evil.example/">',
    # template, format-string and markdown injection
    f"{{{{constructor.constructor('{RUN}')()}}}}",
    "${alert(1)} {0} {code} {limit} %s %(name)s",
    '[klik](javascript:alert(1)) ![x](x" onerror="alert(1))',
    "$$\\href{javascript:alert(1)}{x}$$",
    # look-alikes and lines
    "＜script＞alert(1)＜/script＞",
    f"første linje\n<img src=x\nonerror={RUN}>",
)

# Refused by validation (shown as a clear message, never stored or rendered)
INVALID: tuple[str, ...] = (
    "abc\u202egnp.exe <img src=x onerror=alert(1)>",  # right-to-left override
    "\u2066<script>alert(1)</script>\u2069",  # bidi isolate
    "<scr\x00ipt>alert(1)</scr\x00ipt>",  # NUL
    "\x1b[31m<img src=x onerror=alert(1)>",  # terminal escape
    "<img src=x onerror=alert(1)>" * 360,  # 10 080 characters
)

assert len(PAYLOADS) + len(INVALID) >= 40
