"""Two app servers behind nginx on one PostgreSQL and one Redis, as docs/deploy.md sets them up:
the launcher of tests/test_two_servers.py and bench/city.py.

* a private ``redis-server`` on a free port (nothing persisted, nobody else's keys);
* app servers with the ExecStart of ``deploy/systemd/quiz@.service`` (gunicorn, 2 sync workers
  each, ``wsgi:app``), sharing one PostgreSQL database or schema, the Redis and one SECRET_KEY,
  each with an instance folder of its own;
* nginx (Debian's package) running ``deploy/nginx/quiz.conf`` itself, with only the lines marked
  ``test:`` rewritten (the two upstream ports, a free 127.0.0.1 port with a self-signed
  certificate, the cache path): ``nginx -p <tmp> -c <tmp>/nginx.conf`` with ``daemon off``, its
  pid file, logs and temp folders inside the given folder.

``Deployment(url, folder, servers=1, proxy=False)`` is one app server on its own port with no
Redis and no nginx (the single-server set-up).  Each process runs in a process group of its own.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
REDIS_SERVER = shutil.which("redis-server")
OPENSSL = shutil.which("openssl")
NGINX_CONF = ROOT / "deploy" / "nginx" / "quiz.conf"
UNIT = ROOT / "deploy" / "systemd" / "quiz@.service"
SECRET = "two-servers-shared-secret"
NOBODY = 65534



def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing_tools() -> str | None:
    """Why a deployment cannot start here (None when everything is installed)."""
    for name, path in (("nginx", NGINX), ("redis-server", REDIS_SERVER), ("openssl", OPENSSL)):
        if path is None:
            return f"{name} is not installed (`make servers` installs Debian's packages)"
    return None if GUNICORN.exists() else "gunicorn is not installed in this environment"


def http_ok(url: str, cafile: Path | None = None) -> bool:
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
    with opener.open(url, timeout=2) as response:
        return response.status == 200


def nginx_conf_for_test(*, upstreams: list[int], port: int, http_port: int, cert: Path, key: Path,
                        cache: Path, access_log: Path) -> str:
    """deploy/nginx/quiz.conf with its "test:" lines pointed at this test's ports and files."""
    text = NGINX_CONF.read_text()
    replacements = {
        "server 127.0.0.1:8001 ": f"server 127.0.0.1:{upstreams[0]} ",
        "server 127.0.0.1:8002 ": f"server 127.0.0.1:{upstreams[1]} ",
        "proxy_cache_path /var/cache/nginx/quiz ": f"proxy_cache_path {cache} ",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{port} ssl http2;",
        "ssl_certificate     /etc/ssl/quiz/fullchain.pem;": f"ssl_certificate {cert};",
        "ssl_certificate_key /etc/ssl/quiz/privkey.pem;": f"ssl_certificate_key {key};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "access_log /var/log/nginx/quiz.access.log quiz;": f"access_log {access_log} quiz;",
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"deploy/nginx/quiz.conf no longer has exactly one {old!r}"
        text = text.replace(old, new)
    return text


def nginx_main_conf(prefix: Path, site: str) -> str:
    """What Debian's /etc/nginx/nginx.conf gives the site, for an unprivileged nginx in ``prefix``:
    no daemon, pid, logs and temp folders inside it."""
    temp = {name: prefix / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir(exist_ok=True)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    return f"""daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    {mime}
    default_type application/octet-stream;
    client_body_temp_path {temp['client_body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    access_log {prefix}/other.log;
{site}
}}
"""


def gunicorn_command(port: int) -> list[str]:
    """The ExecStart of deploy/systemd/quiz@.service for instance ``port`` of this checkout."""
    text = UNIT.read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    line = (line.removeprefix("ExecStart=").replace("%i", str(port)).replace("${WORKERS}", "2")
            .replace("${TRUSTED_PROXIES}", "127.0.0.1"))
    argv = shlex.split(line)
    assert argv[0] == "/srv/quiz/.venv/bin/gunicorn" and "wsgi:app" in argv
    return [str(GUNICORN), *argv[1:]]


def wait_for(check, what: str, seconds: float = 30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not listening yet, whatever the client calls it
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start")


class Deployment:
    """Redis, two app servers and nginx; ``kill(0)`` is the SIGKILL of app server 1."""

    def __init__(self, database_url: str, folder: Path, *, servers: int = 2, proxy: bool = True,
                 env: dict | None = None):
        assert servers == 2 or not proxy, "deploy/nginx/quiz.conf has two upstreams"
        self.folder = folder
        self.processes: dict[str, subprocess.Popen] = {}
        self.proxy = proxy
        self.redis_url = f"redis://127.0.0.1:{free_port()}/0" if proxy else None
        self.ports = [free_port() for _ in range(servers)]
        self.extra_env = env or {}
        self.nginx_port, self.http_port = free_port(), free_port()
        self.database_url = database_url
        self._nginx_prefix: Path | None = None

    # -- start and stop

    def start(self):
        if self.redis_url:
            redis_port = urlsplit(self.redis_url).port
            self._spawn("redis", [REDIS_SERVER, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(self.folder)])
            import redis
            wait_for(lambda: redis.Redis.from_url(self.redis_url).ping(), "redis-server")
        for index, port in enumerate(self.ports):
            self._start_app(index)
        for index, port in enumerate(self.ports):
            wait_for(lambda: http_ok(f"http://127.0.0.1:{port}/healthz"), f"app server {index + 1}")
        if self.proxy:
            self._start_nginx()

    def _spawn(self, name: str, argv: list[str], **kwargs):
        with open(self.folder / f"{name}.log", "ab") as log:  # the process keeps its own copy
            self.processes[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                                    start_new_session=True, **kwargs)

    def _start_app(self, index: int):
        env = {**os.environ, "DATABASE_URL": self.database_url, "SECRET_KEY": SECRET,
               "QUIZ_INSTANCE_PATH": str(self.folder / f"instance{index + 1}"), "PYTHONPATH": str(ROOT),
               "PREFERRED_URL_SCHEME": "https", "TRUSTED_PROXIES": "127.0.0.1", **self.extra_env}
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.pop("ALLOW_REGISTRATION", None)
        self._spawn(f"app{index + 1}", gunicorn_command(self.ports[index]), cwd=ROOT, env=env)

    def _start_nginx(self):
        prefix = self.nginx_prefix()
        cert, key = prefix / "cert.pem", prefix / "key.pem"
        subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
        self.cert = cert
        prefix = self.nginx_prefix()
        site = nginx_conf_for_test(upstreams=self.ports, port=self.nginx_port, http_port=self.http_port, cert=cert,
                                   key=key, cache=prefix / "cache", access_log=prefix / "access.log")
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_main_conf(prefix, site))
        checked = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        self._spawn("nginx", [NGINX, "-p", str(prefix), "-c", str(conf)], **self.unprivileged(prefix))
        wait_for(lambda: http_ok(f"{self.url}/healthz", cert), "nginx")

    def nginx_prefix(self) -> Path:
        """nginx's folder: in the test's folder, or (when the test runs as root) a folder of
        nobody's in /var/tmp, since nginx then runs as nobody and pytest's folders are root's only."""
        if self._nginx_prefix is None:
            if os.geteuid() == 0:
                self._nginx_prefix = Path(tempfile.mkdtemp(prefix="quiz-nginx-", dir="/var/tmp"))
                os.chown(self._nginx_prefix, NOBODY, NOBODY)
            else:
                self._nginx_prefix = self.folder / "nginx"
                self._nginx_prefix.mkdir()
        return self._nginx_prefix

    @staticmethod
    def unprivileged(prefix: Path) -> dict:
        """Popen arguments that run nginx as an unprivileged user (itself, or nobody for root)."""
        if os.geteuid() != 0:
            return {}
        for path in prefix.rglob("*"):
            os.chown(path, NOBODY, NOBODY)
        return {"user": NOBODY, "group": NOBODY, "extra_groups": []}

    def kill(self, index: int):
        """SIGKILL app server ``index`` (master and workers), as a crash or a pulled plug does."""
        process = self.processes[f"app{index + 1}"]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        if self._nginx_prefix is not None and os.geteuid() == 0:
            shutil.copy(self._nginx_prefix / "error.log", self.folder / "nginx-error.log")
            shutil.rmtree(self._nginx_prefix, ignore_errors=True)

    # -- addresses

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.nginx_port}"

    def server(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index]}"

    def access_log(self) -> list[tuple[str, str, str, str]]:
        """(method, path, status, upstream addresses) of each request, from the site's own log format."""
        pattern = re.compile(r'"(\w+) (\S+) [^"]*" (\d+) \d+ \S+ "([^"]*)"')
        lines = (self.nginx_prefix() / "access.log").read_text().splitlines()
        return [match.groups() for match in map(pattern.search, lines) if match]


