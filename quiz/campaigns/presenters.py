"""The campaign board in the JSON shape the API and the big screen share."""

from __future__ import annotations

from ..boards.rankings import UnitStanding
from ..models import Campaign
from ..services.clock import isoformat
from .board import CAMPAIGN_METRIC, CampaignBoard


def campaign_unit_json(row: UnitStanding) -> dict:
    return {"rank": row.rank, "unit_id": row.unit_id, "unit": row.unit, "headcount": row.headcount,
            "participants": row.participants, "participation_rate": row.participation_rate,
            "average_score": row.average_score}


def campaign_board_json(campaign: Campaign, board: CampaignBoard) -> dict:
    return {
        "campaign_id": campaign.id, "title": campaign.title, "year": campaign.year, "theme": campaign.theme,
        "metric": CAMPAIGN_METRIC, "updated_at": isoformat(board.updated_at), "quiz_ids": board.quiz_ids,
        "participants": board.totals.participants, "participation_rate": board.totals.participation_rate,
        "average_score": board.totals.average_score,
        "units": [campaign_unit_json(row) for row in board.units],
    }
