"""The vendored Khmer font: served from our own static files, declared for Khmer text."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

STATIC = Path(__file__).resolve().parent.parent / "tracker" / "static"


def test_khmer_font_is_served_from_our_static_files(client: FlaskClient) -> None:
    """fonts.css points only at vendored woff2 files that exist, are served as fonts, and
    carry the OFL beside them, so Khmer renders without a CDN or a system font."""
    with client.get("/static/fonts.css") as response:
        css = response.get_data(as_text=True)
    urls = re.findall(r'url\("([^"]+)"\)', css)
    assert len(urls) == 2 and all(u.startswith("vendor/noto-sans-khmer-") for u in urls)
    for url in urls:
        with client.get(f"/static/{url}") as response:
            assert response.status_code == 200
            assert response.mimetype == "font/woff2"
            assert response.get_data()[:4] == b"wOF2"
        assert (STATIC / url).parent.joinpath("OFL.txt").is_file()


def test_khmer_text_uses_the_vendored_font(client: FlaskClient) -> None:
    """Khmer text (lang km) asks for Noto Sans Khmer first, other text has it as a fallback,
    and every page links the stylesheet that declares it."""
    css = (STATIC / "fonts.css").read_text()
    assert re.search(r':lang\(km\)\s*\{\s*font-family:\s*"Noto Sans Khmer"', css)
    assert re.search(r'--pico-font-family-sans-serif:[^;]*"Noto Sans Khmer"', css)
    assert "unicode-range: U+1780-17FF" in css
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/static/fonts.css?v=' in page
