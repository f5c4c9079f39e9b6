"""The share card (分享图) of a finalized attempt: a page to preview and save it, and the PNG."""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth_setup import roles_required
from ..proxies import absolute_url
from ..services import attempts
from ..services.clock import now_utc
from ..services.share_card import (
    NAME_STYLE_LABELS, NAME_STYLES, ShareCard, ShareCardUnavailable, display_name, render_share_card,
)
from .blueprint import bp
from .result_page import share_font, standing_of


def _name_style() -> str:
    style = request.args.get("name", "masked")
    return style if style in NAME_STYLES else "masked"


def _final_attempt(attempt_id: int):
    attempt = attempts.get_own_attempt(attempt_id, current_user.id)
    return attempt if attempt.is_final else None


@bp.get("/attempts/<int:attempt_id>/share")
@roles_required()
def share(attempt_id: int):
    """Preview the card, choose how the name shows, save it (long press on a phone)."""
    attempt = _final_attempt(attempt_id)
    if attempt is None:
        return redirect(url_for("take.attempt", attempt_id=attempt_id))
    style = _name_style()
    return render_template(
        "take/share.html", attempt=attempt, quiz=attempt.quiz, style=style, styles=NAME_STYLE_LABELS,
        available=share_font() is not None,
        image_url=url_for("take.share_png", attempt_id=attempt.id, name=style),
    )


@bp.get("/attempts/<int:attempt_id>/share.png")
@roles_required()
def share_png(attempt_id: int):
    attempt = _final_attempt(attempt_id)
    if attempt is None:
        return redirect(url_for("take.attempt", attempt_id=attempt_id))
    font = share_font()
    if font is None:
        raise ShareCardUnavailable()
    quiz, now = attempt.quiz, now_utc()
    standing = standing_of(current_user, quiz, now)
    config = current_app.config
    card = ShareCard(
        campaign=config.get("CAMPAIGN_NAME", "安全生产月"),
        theme=config.get("CAMPAIGN_THEME", "落实安全责任，推动安全发展"),
        quiz_title=quiz.title,
        name=display_name(current_user.display_name, _name_style()),
        unit=current_user.unit.name if current_user.unit else "",
        score=attempt.score or 0,
        max_score=attempt.max_score,
        passed=bool(attempt.passed),
        finished_at=attempt.submitted_at,
        url=absolute_url("take.quiz_detail", quiz_id=quiz.id) if quiz.kind == "contest"
        else absolute_url("take.home"),
        rank=standing.rank if standing else None,
        total=standing.total if standing else None,
        unit_rank=standing.unit_rank if standing else None,
        unit_total=standing.unit_total if standing else None,
    )
    response = Response(render_share_card(card, font), mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = f"inline; filename=share-{attempt.id}.png"
    return response
