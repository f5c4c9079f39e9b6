"""The safety quiz and training platform: Flask application factory."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

from apiflask import APIFlask
from flask import request
from flask.sessions import SecureCookieSessionInterface
from jinja2 import FileSystemBytecodeCache
from werkzeug.routing import IntegerConverter

from . import auth_setup, cli, errors, ops, proxies, schema_version, static_files, web
from . import config as config_module
from .admin.routes import bp as admin_bp
from .api.routes import bp as api_bp
from .api import openapi as api_openapi
from .auth.routes import bp as auth_bp
from .auth_setup import SAFE_METHODS
from .boards.routes import bp as boards_bp
from .campaigns.routes import bp as campaigns_bp
from .org.people import bp as org_bp
from .learning.routes import bp as learning_bp
from .offline.routes import bp as offline_bp
from .records.routes import bp as records_bp
from .database import configure_engine, engine_options, transaction_mode
from .extensions import bootstrap, csrf, db, limiter
from .params import MAX_DATABASE_ID
from .private_files import private_dir
from .take.routes import bp as take_bp
from .trainer.routes import bp as trainer_bp
from .training.routes import bp as training_bp
from .training.routes import verify_bp

ROOT = Path(__file__).resolve().parent.parent

# apispec registers a schema used both nested and as a response twice under two
# identical names (UnitOut, UnitOut1); the document stays valid, the warning is noise.
warnings.filterwarnings("ignore", message=r".*has already been added to the spec.*", category=UserWarning)


def create_app(test_config: dict | None = None) -> APIFlask:
    """Build the app: defaults, then the environment, then ``test_config``."""
    app = QuizApp(
        __name__,
        title="安全知识竞赛与培训平台 API",
        version="1.0.0",
        spec_path="/api/v1/openapi.json",
        docs_path=None,  # the hosted docs UI loads from a CDN; the spec is enough offline
        json_errors=False,  # errors.py decides between JSON and HTML by path
        instance_path=os.environ.get("QUIZ_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(config_module.DefaultConfig)
    private_dir(app.instance_path)  # owner-only: the secret key and the SQLite database live here
    config_module.load_environment(app)
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", config_module.default_sqlite_url(app.instance_path))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.persistent_secret_key(app.instance_path)
    if app.config.get("PREFERRED_URL_SCHEME") == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    proxies.install(app)  # X-Forwarded-For/-Proto from TRUSTED_PROXIES only
    app.json.ensure_ascii = False
    app.session_interface = CookieSessionsOnlyWhenSent()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    # Ids in URLs are database integers: a larger number is simply "not found", never an
    # overflow in the database driver.
    app.url_map.converters["int"] = DatabaseIdConverter
    _init_extensions(app)
    _register_blueprints(app)
    _limit_only_decorated_views(app)
    _keep_compiled_templates(app)
    return app


def _keep_compiled_templates(app: APIFlask) -> None:
    """Compiled templates are kept in <instance>/templates-compiled (Jinja's documented
    FileSystemBytecodeCache), so a new worker, or one gunicorn recycles (--max-requests),
    loads a template instead of compiling it again on its first request: the quiz page took
    50-200 ms to compile, which was most of its first byte on a fresh server.  Jinja checks each
    entry against the template's source, so an edited template is compiled afresh."""
    directory = Path(app.instance_path) / "templates-compiled"
    private_dir(directory)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(directory))


class QuizApp(APIFlask):
    """APIFlask in which every request is one unit of work (the rule: :mod:`quiz.database`)."""

    def full_dispatch_request(self):
        """Requests that change state begin transactions that may write, unless the view reads first."""
        view = self.view_functions.get(request.endpoint)
        may_write = request.method not in SAFE_METHODS and not getattr(view, "reads_first", False)
        with transaction_mode(may_write=may_write):
            return super().full_dispatch_request()

    def dispatch_request(self):
        """Commit once when the view has returned; an exception rolls back instead (quiz.errors).

        A request that opened no transaction (a cached board, an autosave that committed by
        itself) has nothing to commit: the session would begin an empty one only to end it."""
        response = super().dispatch_request()
        # registry.has(): whether this request made a session at all (a warm board, a big-screen
        # poll or a static file never does; asking db.session() would make one only to drop it)
        if db.session.registry.has() and db.session().in_transaction():
            db.session.commit()
        return response


class CookieSessionsOnlyWhenSent(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus building the signer for a request that sends no
    session cookie (every API call with a bearer token, every big-screen poll): the session is
    empty either way.  ``session_interface`` is Flask's documented extension point; measured
    with bench/save_cpu.py it saves about 25 µs of a 1,400 µs autosave."""

    def open_session(self, app, request):
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` that never hands the database a number beyond its INTEGER range.

    Such an id cannot exist, so it becomes 0, which no row has: the view answers 404
    (refusing the match instead would make werkzeug answer 405 for routes that share the path).
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_DATABASE_ID else 0


def _init_extensions(app: APIFlask) -> None:
    engine_options(app)
    db.init_app(app)
    configure_engine(app)
    schema_version.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    auth_setup.init_app(app)
    errors.init_app(app)
    api_openapi.init_app(app)
    web.init_app(app)
    static_files.init_app(app)
    ops.init_app(app)
    cli.init_app(app)


def _limit_only_decorated_views(app: APIFlask) -> None:
    """Drop Flask-Limiter's check before every request while every limit is on a view.

    A view's ``@limiter.limit`` decorator checks that view's limits itself; the app-wide hook
    serves default, application and blueprint limits, which this app does not declare.  It
    found nothing to do at about 100 µs a request (7 % of an autosave, bench/save_cpu.py
    --rate-limits), more than the issue's 10 % budget leaves.  Flask-Limiter has no public
    switch for it, so this is the one place that names its hook; tests/test_rate_limits.py
    proves the decorated limits still hold and that a declared default limit keeps the hook.
    """
    manager = limiter.limit_manager
    with app.app_context():
        declared = (manager.default_limits or manager.application_limits
                    or app.config.get("RATELIMIT_IN_MEMORY_FALLBACK")
                    or any(manager.blueprint_limits(app, name) for name in app.blueprints))
    if declared:
        return
    hook = getattr(limiter, "_check_request_limit", None)
    checks = app.before_request_funcs.get(None, [])
    if hook in checks:  # absent when RATELIMIT_ENABLED is off
        checks.remove(hook)


def _register_blueprints(app: APIFlask) -> None:
    app.register_blueprint(auth_bp)
    app.register_blueprint(take_bp)
    app.register_blueprint(trainer_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(boards_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(training_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(org_bp)
    # The API authenticates bearer tokens itself and checks CSRF for cookie sessions.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
