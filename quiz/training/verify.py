"""/verify/<code>: the public page that confirms a certificate is genuine (linked by its QR code)."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from ..auth_setup import public
from ..extensions import limiter
from . import certificates
from .blueprint import verify_bp


def certificate_secret() -> bytes:
    secret = current_app.config.get("CERTIFICATE_SECRET") or current_app.config["SECRET_KEY"]
    return secret.encode("utf-8") if isinstance(secret, str) else secret


@verify_bp.get("/verify")
@public
def lookup():
    """A form to type a code in; submitting it opens /verify/<code>."""
    code = (request.args.get("code") or "").strip()
    if code:
        return redirect(url_for("verify.certificate", code=code))
    return render_template("training/verify.html", cert=None, code="", checked=False)


@verify_bp.get("/verify/<code>")
@public
@limiter.limit("60 per minute")
def certificate(code: str):
    cert = certificates.verify_code(code, certificate_secret())
    status = 200 if cert else 404
    return render_template("training/verify.html", cert=cert, code=code[:64], checked=True), status
