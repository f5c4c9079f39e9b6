"""Certificates for passed contest attempts: issue, verify, and render as PDF.

The verification code is an HMAC-SHA256 (key: the app's CERTIFICATE_SECRET, by default
its SECRET_KEY) over the certificate's id, user, quiz, score, maximum score, name and
date, cut to 80 bits and written as "XXXX-XXXX-XXXX-XXXX" (base32).  It is stored with
the certificate; :func:`verify_code` looks the row up *and* recomputes the code from the
row, so a guessed or altered code and an edited row are both refused.  Changing the
secret invalidates every certificate issued before.

Chinese text uses reportlab's built-in CID font STSong-Light (Adobe-GB1): nothing to
ship, the viewer supplies the glyphs (Adobe Reader, pdf.js, Chrome, macOS/iOS, poppler
with any CJK font such as fonts-wqy-zenhei).  Set ``font_path`` to a TrueType (glyf) CJK
font to embed it instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models import FINAL_STATUSES, Attempt, Certificate, Quiz, User, best_attempt
from ..services.clock import to_campaign_tz

CODE_PATTERN = re.compile(r"^[A-Z2-7]{16}$")


def _mac_message(cert: Certificate) -> bytes:
    date = to_campaign_tz(cert.passed_at).date().isoformat()
    parts = [cert.id, cert.user_id, cert.quiz_id, f"{cert.score:g}", f"{cert.max_score:g}", cert.display_name, date]
    return "|".join(str(part) for part in parts).encode("utf-8")


def compute_code(cert: Certificate, secret: bytes) -> str:
    digest = hmac.new(secret, _mac_message(cert), hashlib.sha256).digest()
    text = base64.b32encode(digest[:10]).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


def normalize_code(code: str) -> str | None:
    """Upper-case, without spaces and dashes, "XXXX-XXXX-XXXX-XXXX"; None if it cannot be a code."""
    compact = re.sub(r"[\s\-]", "", code or "").upper()
    if not CODE_PATTERN.match(compact):
        return None
    return "-".join(compact[i:i + 4] for i in range(0, 16, 4))


def eligible(attempt: Attempt, quiz: Quiz) -> bool:
    return attempt.is_final and bool(attempt.passed) and quiz.kind == "contest"


def certificate_for_attempt(attempt: Attempt) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.attempt_id == attempt.id))


def issue_certificate(attempt: Attempt, user: User, now: datetime, secret: bytes) -> Certificate:
    """The certificate of the user's passed contest attempt (created on first request)."""
    if attempt.user_id != user.id:
        raise NotFound("答题记录不存在", code="attempt_not_found")
    quiz = db.session.get(Quiz, attempt.quiz_id)
    if not eligible(attempt, quiz):
        raise Forbidden("只有及格的竞赛答卷才能下载证书", code="not_eligible")
    existing = certificate_for_attempt(attempt)
    if existing is not None:
        return existing
    cert = Certificate(
        attempt_id=attempt.id,
        user_id=user.id,
        quiz_id=quiz.id,
        display_name=user.display_name,
        unit_name=user.unit.name if user.unit else "",
        quiz_title=quiz.title,
        score=attempt.score,
        max_score=attempt.max_score,
        passed_at=attempt.submitted_at,
        issued_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(cert)
            db.session.flush()  # the id goes into the code
            cert.code = compute_code(cert, secret)
            db.session.flush()
    except IntegrityError:
        # Another request issued it at the same moment.
        existing = certificate_for_attempt(attempt)
        if existing is None:
            raise
        return existing
    return cert


def verify_code(code: str, secret: bytes) -> Certificate | None:
    """The genuine certificate with this code, or None (unknown, malformed or altered)."""
    normalized = normalize_code(code)
    if normalized is None:
        return None
    cert = db.session.scalar(select(Certificate).where(Certificate.code == normalized))
    if cert is None:
        return None
    if not hmac.compare_digest(compute_code(cert, secret), normalized):
        return None
    return cert


def user_certificates(user: User) -> list[Certificate]:
    return list(db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.passed_at.desc())
    ))


def best_passed_contest_attempts(user: User) -> list[Attempt]:
    """The user's best passed attempt of each contest (best_attempt_order), newest first: the
    candidates for a certificate."""
    by_quiz: dict[int, list[Attempt]] = {}
    for attempt in db.session.scalars(
        select(Attempt)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.user_id == user.id, Attempt.passed.is_(True), Quiz.kind == "contest",
               Attempt.status.in_(FINAL_STATUSES))
    ):
        by_quiz.setdefault(attempt.quiz_id, []).append(attempt)
    best = [best_attempt(attempts) for attempts in by_quiz.values()]
    return sorted(best, key=lambda a: a.submitted_at, reverse=True)


# ---------------------------------------------------------------- PDF


def render_certificate_pdf(cert: Certificate, *, verify_url: str, issuer: str, campaign: str,
                           font_path: str | None = None) -> bytes:
    """A one-page landscape A4 certificate with a QR code that opens the verify page.

    reportlab (about 18 MiB) is loaded with the first certificate, not by every worker.
    """
    from .certificate_pdf import render  # noqa: PLC0415 - deliberately lazy (see docstring)

    return render(cert, verify_url=verify_url, issuer=issuer, campaign=campaign, font_path=font_path)
