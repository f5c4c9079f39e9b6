"""Static files: versioned URLs cached for a year, anything else revalidated, text sent compressed."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from quiz import static_files

ROOT = Path(__file__).resolve().parent.parent


def _static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="((?:/bootstrap)?/static/[^"]+)"', html)


def test_pages_link_static_files_by_version(client):
    html = client.get("/login").get_data(as_text=True)
    urls = _static_urls(html)
    assert any("/static/css/app.css?v=" in url for url in urls)
    assert any("/bootstrap/static/" in url and "?v=" in url for url in urls)  # Bootstrap-Flask's files too
    assert all("?v=" in url for url in urls), urls
    digest = re.search(r"/static/css/app\.css\?v=([0-9a-f]+)", html).group(1)
    import hashlib
    assert digest == hashlib.sha256((ROOT / "static/css/app.css").read_bytes()).hexdigest()[:12]


def test_the_current_version_is_cached_for_a_year_any_other_is_revalidated(client):
    html = client.get("/login").get_data(as_text=True)
    url = next(u for u in _static_urls(html) if "app.css" in u).replace("&amp;", "&")
    current = client.get(url)
    assert current.status_code == 200
    assert current.headers["Cache-Control"] == static_files.VERSIONED_CACHE_CONTROL
    for other in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        response = client.get(other)
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "")
        assert "no-cache" in response.headers.get("Cache-Control", "")  # Flask's default: revalidate
    assert client.get("/static/css/none.css?v=abc").status_code == 404


def test_text_is_sent_compressed_to_browsers_that_accept_it(client):
    plain = (ROOT / "static/css/app.css").read_bytes()
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers.get("Vary", "")
    assert gzip.decompress(response.data) == plain
    assert gzip.decompress(client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip, deflate"}).data) == plain
    assert len(response.data) < len(plain) / 2
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and "登录".encode() in gzip.decompress(page.data)
    identity = client.get("/static/css/app.css")
    assert "Content-Encoding" not in identity.headers and identity.data == plain


def test_a_changed_file_gets_a_new_version(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    target = tmp_path / "x.css"
    target.write_text("a{}")
    with app.test_request_context("/"):
        first = static_files.static_version("static", "x.css")
        target.write_text("b{color:red}")
        second = static_files.static_version("static", "x.css")
        assert first and second and first != second
        assert static_files.static_version("static", "../x.css") is None
        assert static_files.static_version("static", "missing.css") is None


def test_page_scripts_are_deferred_so_the_page_paints_first():
    """Only prefs.js (the font size, applied before the first paint) may block rendering."""
    blocking = []
    for template in (ROOT / "templates").rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text()):
            if "defer" not in tag and "prefs.js" not in tag:
                blocking.append(f"{template.relative_to(ROOT)}: {tag}")
    assert blocking == []
    assert "bootstrap.load_js" not in (ROOT / "templates/base.html").read_text()  # it writes blocking tags
