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


def _bootstrap_dir() -> Path:
    import flask_bootstrap  # noqa: PLC0415

    return Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5"


def _css_classes(css: str) -> set[str]:
    return set(re.findall(r"\.(-?[A-Za-z_][\w-]*)", " ".join(_css_selectors(css))))


def _css_selectors(css: str) -> set[str]:
    """Every selector of every style rule (at-rule preludes left out)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    selectors = set()
    for prelude in re.findall(r"([^{};]+)\{", css):
        if not prelude.strip().startswith("@"):
            selectors.update(part.strip() for part in prelude.split(","))
    return selectors


def test_the_purged_bootstrap_css_keeps_every_class_the_app_uses():
    """`make css` must be re-run when a template, script or label starts using a Bootstrap
    class: a class that is in Bootstrap and named anywhere in the app is in the purged file."""
    config = (ROOT / "tools/css/purgecss.config.cjs").read_text()
    globs = ["templates/**/*.html", "quiz/**/*.html", "quiz/**/*.py", "static/js/**/*.js"]
    assert all(pattern in config for pattern in globs)
    words: set[str] = set()
    for pattern in globs:
        for path in ROOT.glob(pattern):
            words.update(re.findall(r"[A-Za-z0-9_-]+", path.read_text(encoding="utf-8")))
    words.update(re.findall(r"[A-Za-z0-9_-]+", (_bootstrap_dir() / "js/bootstrap.min.js").read_text()))
    purged_css = (ROOT / "static/css/bootstrap.purged.min.css").read_text()
    kept = _css_selectors(purged_css)
    missing = sorted(
        selector for selector in _css_selectors((_bootstrap_dir() / "css/bootstrap.min.css").read_text())
        if (names := re.findall(r"\.(-?[A-Za-z_][\w-]*)", selector)) and set(names) <= words
        and selector not in kept
        and "[data-bs-theme" not in selector)  # no element of the app sets a colour theme
    assert not missing, f"run `make css`: {missing[:20]}"
    purged = _css_classes(purged_css)
    # built from pieces in the templates (alert-{{ category }}, w-{{ n }}): kept by the safelist
    assert {"alert-danger", "alert-success", "alert-warning", "alert-info", "w-50", "w-100"} <= purged
    assert not any("data-bs-theme" in path.read_text(encoding="utf-8")
                   for pattern in globs[:2] for path in ROOT.glob(pattern))  # the dark-theme rules are gone
    assert "Licensed under MIT" in purged_css  # Bootstrap's licence banner stays
    assert len(purged_css) < len((_bootstrap_dir() / "css/bootstrap.min.css").read_text()) / 2


def test_pages_load_the_purged_bootstrap_css(client):
    urls = _static_urls(client.get("/login").get_data(as_text=True))
    assert any("/static/css/bootstrap.purged.min.css?v=" in url for url in urls)
    assert not any(url.endswith(".css") and "/bootstrap/static/" in url for url in urls)


def test_compiled_templates_are_kept_for_the_next_worker(app, client):
    """A new or recycled worker loads compiled templates from the instance folder."""
    from quiz import create_app  # noqa: PLC0415

    assert client.get("/login").status_code == 200
    kept = Path(app.instance_path) / "templates-compiled"
    assert any(kept.iterdir())
    assert kept.stat().st_mode & 0o777 == 0o700
    loaded = []
    worker = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    cache = worker.jinja_env.bytecode_cache
    original = cache.load_bytecode
    cache.load_bytecode = lambda bucket: (original(bucket), loaded.append(bucket.code is not None))[0]
    with worker.test_request_context():
        worker.jinja_env.get_template("auth/login.html")
    assert loaded and all(loaded)
