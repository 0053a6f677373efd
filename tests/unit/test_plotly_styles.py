"""The inline style elements plotly.js writes, allowed by the Content-Security-Policy by their hashes."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from dashboard.controllers import PLOTLY_JS
from dashboard.plotly_styles import csp_hash, plotly_style_hashes

EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"  # sha256 of "", in base64


def test_plotly_styles_are_allowed_by_hash_the_empty_sheet_and_its_fixed_one() -> None:
    """plotly.js writes an empty <style> it fills through the CSSOM, and its map library's sheet, and no other."""
    hashes = plotly_style_hashes(PLOTLY_JS)
    assert csp_hash("") == EMPTY_STYLE
    assert hashes[0] == EMPTY_STYLE
    # The map library's whole sheet (with plotly.js 4.1.1, 'sha256-ji27qzEt…', as Chromium names it when refused).
    source = PLOTLY_JS.read_text(encoding="utf-8")
    start = source.index("'.maplibregl-map{") + 1
    sheet = source[start : source.index("'", start)]
    digest = base64.b64encode(hashlib.sha256(sheet.encode()).digest()).decode()
    assert hashes[1:] == (f"'sha256-{digest}'",)


def test_a_sheet_written_as_the_script_loads_is_hashed_exactly(tmp_path: Path) -> None:
    script = tmp_path / "plotly.min.js"
    script.write_text(
        'var e=document.createElement("style");e.id="ab12",e.textContent=\'.map{font:12px/20px Arial}\';'
        'n=document.createElement("style"),n.setAttribute("id",i)',
        encoding="utf-8",
    )
    assert plotly_style_hashes(script) == (EMPTY_STYLE, "'sha256-1enydwtHPMJCdnOyja631Euq99ytRDpDjpLFvskElDA='")
    assert csp_hash(".map{font:12px/20px Arial}") == "'sha256-1enydwtHPMJCdnOyja631Euq99ytRDpDjpLFvskElDA='"
