"""The style elements plotly.js writes into a page, as Content-Security-Policy hashes (``'sha256-…'``).

plotly.js needs no inline script, but it adds two ``<style>`` elements when it loads: an empty one that it then fills
rule by rule through the CSS object model (which the policy does not govern), and its map library's fixed style sheet.
Allowing exactly those two by their hashes keeps ``'unsafe-inline'`` out of ``style-src``. The hashes are read from
the plotly.js the app serves, so an upgrade of plotly brings its own.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from pathlib import Path

# ``e=document.createElement("style");e.id="…",e.textContent='…'``: a style sheet plotly writes as it loads.
_FIXED_SHEET = re.compile(r"""createElement\("style"\);\w+\.id="[^"]*",\w+\.textContent='([^'\\]*)'""")


def csp_hash(text: str) -> str:
    """The policy's source expression allowing an inline element whose content is exactly ``text``."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@functools.cache
def plotly_style_hashes(script: Path) -> tuple[str, ...]:
    """The hashes of the empty style element plotly fills itself and of each fixed sheet it writes."""
    sheets = _FIXED_SHEET.findall(script.read_text(encoding="utf-8"))
    return tuple(dict.fromkeys([csp_hash(""), *(csp_hash(sheet) for sheet in sheets)]))
