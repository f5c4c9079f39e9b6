"""API: campaigns (活动), their quizzes and series, and the campaign's unit board (docs/campaigns.md)."""

from __future__ import annotations

from ..auth_setup import api_auth, api_identity
from ..campaigns import services
from ..campaigns.board import campaign_board
from ..campaigns.presenters import campaign_board_json
from ..models import STAFF_ROLES, Campaign
from ..services.clock import CAMPAIGN_TZ, now_utc
from .blueprint import BEARER, bp
from .schemas import CampaignDetailOut, CampaignLeaderboardOut, CampaignsOut


def _campaign_json(campaign: Campaign, today) -> dict:
    return {
        "id": campaign.id, "title": campaign.title, "year": campaign.year, "theme": campaign.theme,
        "starts_on": campaign.starts_on.isoformat(), "ends_on": campaign.ends_on.isoformat(),
        "copied_from_id": campaign.copied_from_id, "is_current": campaign.starts_on <= today <= campaign.ends_on,
    }


@bp.get("/campaigns")
@api_auth()
@bp.output(CampaignsOut)
@bp.doc(summary="Every campaign, newest year first", security=BEARER, responses=[401])
def list_campaigns():
    today = now_utc().astimezone(CAMPAIGN_TZ).date()
    return {"campaigns": [_campaign_json(c, today) for c in services.all_campaigns()]}


@bp.get("/campaigns/<int:campaign_id>")
@api_auth()
@bp.output(CampaignDetailOut)
@bp.doc(summary="One campaign with its quiz ids and level series ids (employees: published ones)",
        security=BEARER, responses=[401, 404])
def get_campaign(campaign_id):
    campaign = services.get_campaign(campaign_id)
    staff = api_identity().role in STAFF_ROLES
    return {
        **_campaign_json(campaign, now_utc().astimezone(CAMPAIGN_TZ).date()),
        "quiz_ids": [q.id for q in services.campaign_quizzes(campaign) if staff or q.is_published],
        "series_ids": [s.id for s in services.campaign_series(campaign) if staff or s.is_published],
    }


@bp.get("/campaigns/<int:campaign_id>/leaderboard/units")
@api_auth()
@bp.output(CampaignLeaderboardOut)
@bp.doc(summary="The campaign's unit board: participation over all its quizzes and the average campaign score",
        security=BEARER, responses=[401, 404])
def campaign_leaderboard_units(campaign_id):
    campaign = services.get_campaign(campaign_id)
    return campaign_board_json(campaign, campaign_board(campaign, now_utc()))
