"""Campaign operations: validate, create and update a campaign, find the current and the previous
one, assign quizzes and level series, and start a new campaign from last year's.

Plain functions: they flush, never commit, and write their audit rows themselves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..errors import ValidationFailed, get_or_not_found
from ..extensions import db
from ..models import Campaign, LevelSeries, Quiz, User
from ..services.audit import field_changes, record_audit
from ..services.clock import CAMPAIGN_TZ, EARLIEST_YEAR, LATEST_YEAR
from ..trainer.quiz_builder import create_new_version
from ..training import levels

MAX_TITLE, MAX_THEME = 200, 200


@dataclass
class CampaignFields:
    """What a person sets on a campaign."""

    title: str
    year: int | None
    theme: str
    starts_on: date | None
    ends_on: date | None

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignFields:
        return cls(campaign.title, campaign.year, campaign.theme, campaign.starts_on, campaign.ends_on)


def validate_campaign(fields: CampaignFields, campaign: Campaign | None = None) -> None:
    """The campaign rule: a title, a year in 2000-2099 held once, a theme of at most 200 characters,
    and dates inside that year with the end not before the start (each refusal names its field)."""
    title = (fields.title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed(f"活动名称不能为空且不超过 {MAX_TITLE} 个字符", field="title")
    if fields.year is None or not EARLIEST_YEAR <= fields.year <= LATEST_YEAR:
        raise ValidationFailed(f"年度应在 {EARLIEST_YEAR} 年至 {LATEST_YEAR} 年之间", field="year")
    if len((fields.theme or "").strip()) > MAX_THEME:
        raise ValidationFailed(f"主题不超过 {MAX_THEME} 个字符", field="theme")
    if fields.starts_on is None:
        raise ValidationFailed("请填写开始日期", field="starts_on")
    if fields.ends_on is None:
        raise ValidationFailed("请填写结束日期", field="ends_on")
    if fields.starts_on.year != fields.year:
        raise ValidationFailed(f"开始日期应在 {fields.year} 年内", field="starts_on")
    if fields.ends_on < fields.starts_on:
        raise ValidationFailed("结束日期不能早于开始日期", field="ends_on")
    clash = db.session.scalar(select(Campaign.id).where(
        Campaign.year == fields.year, *([Campaign.id != campaign.id] if campaign is not None else [])))
    if clash is not None:
        raise ValidationFailed(f"{fields.year} 年度已有活动，每年一个活动", field="year")


def _clean(fields: CampaignFields) -> dict:
    return {**asdict(fields), "title": fields.title.strip(), "theme": (fields.theme or "").strip()}


def create_campaign(fields: CampaignFields, actor: User, now: datetime, *, copied_from: Campaign | None = None) -> Campaign:
    """Create a campaign (validated, audited)."""
    validate_campaign(fields)
    campaign = Campaign(**_clean(fields), copied_from_id=copied_from.id if copied_from else None,
                        created_by_id=actor.id if actor else None, created_at=now)
    db.session.add(campaign)
    db.session.flush()
    record_audit(actor, "campaign.create", "campaign", campaign.id, f"新建活动“{campaign.title}”", now,
                 {"fields": _clean(fields), "copied_from_id": campaign.copied_from_id})
    return campaign


def update_campaign(campaign: Campaign, fields: CampaignFields, actor: User, now: datetime) -> dict:
    """Save changes (validated, audited); returns {field: [old, new]}."""
    validate_campaign(fields, campaign)
    before, after = asdict(CampaignFields.of(campaign)), _clean(fields)
    changes = field_changes(before, after)
    for name, value in after.items():
        setattr(campaign, name, value)
    db.session.flush()
    if changes:
        record_audit(actor, "campaign.update", "campaign", campaign.id, f"修改活动“{campaign.title}”", now, changes)
    return changes


def get_campaign(campaign_id: int) -> Campaign:
    return get_or_not_found(Campaign, campaign_id, "活动不存在", "campaign_not_found")


def all_campaigns() -> list[Campaign]:
    """Newest year first."""
    return list(db.session.scalars(select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())))


def current_campaign(now: datetime) -> Campaign | None:
    """The campaign whose dates contain today (in the campaign time zone); otherwise the most recent
    one that has started; otherwise (only future ones) the next to start; None when there is none."""
    today = now.astimezone(CAMPAIGN_TZ).date()
    running = db.session.scalar(
        select(Campaign).where(Campaign.starts_on <= today, Campaign.ends_on >= today)
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc()).limit(1))
    if running is not None:
        return running
    latest = db.session.scalar(
        select(Campaign).where(Campaign.starts_on <= today).order_by(Campaign.starts_on.desc(), Campaign.id.desc()).limit(1))
    if latest is not None:
        return latest
    return db.session.scalar(select(Campaign).order_by(Campaign.starts_on, Campaign.id).limit(1))


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The campaign a 活动总结 compares with: the latest one of an earlier year."""
    return db.session.scalar(
        select(Campaign).where(Campaign.year < campaign.year).order_by(Campaign.year.desc(), Campaign.id.desc()).limit(1))


def campaign_quizzes(campaign: Campaign) -> list[Quiz]:
    """The campaign's contest quizzes (its 闯关 levels belong to it through their series)."""
    return list(db.session.scalars(
        select(Quiz).where(Quiz.campaign_id == campaign.id, Quiz.kind == "contest").order_by(Quiz.opens_at, Quiz.id)))


def campaign_series(campaign: Campaign) -> list[LevelSeries]:
    return list(db.session.scalars(
        select(LevelSeries).where(LevelSeries.campaign_id == campaign.id).order_by(LevelSeries.id)))


def campaign_choices() -> list[tuple[int, str]]:
    """(id, label) of every campaign, newest first, for the 所属活动 selects (0: none)."""
    return [(0, "不属于任何活动")] + [(c.id, campaign_label(c)) for c in all_campaigns()]


def campaign_label(campaign: Campaign) -> str:
    """The title with the year in front, unless the title already names it."""
    return campaign.title if str(campaign.year) in campaign.title else f"{campaign.year} 年 · {campaign.title}"


# ---------------------------------------------------------------- assigning


def _move_into(item: Quiz | LevelSeries, campaign: Campaign | None, actor: User, now: datetime,
               target: str, label: str) -> bool:
    new_id = campaign.id if campaign is not None else None
    if item.campaign_id == new_id:
        return False
    before = item.campaign_id
    item.campaign_id = new_id
    db.session.flush()
    record_audit(actor, f"{target}.update", target, item.id, f"修改{label}“{item.title}”所属活动", now,
                 {"campaign_id": [before, new_id]})
    return True


def assign_quiz(quiz: Quiz, campaign: Campaign | None, actor: User, now: datetime) -> bool:
    """Put a contest quiz into ``campaign`` (None: out of any); True if it changed (audited)."""
    if quiz.kind != "contest":
        raise ValidationFailed("闯关关卡随其闯关归属活动，请为闯关选择活动", field="quiz_id")
    return _move_into(quiz, campaign, actor, now, "quiz", "测验")


def assign_series(series: LevelSeries, campaign: Campaign | None, actor: User, now: datetime) -> bool:
    """Put a level series into ``campaign`` (None: out of any); True if it changed (audited)."""
    return _move_into(series, campaign, actor, now, "series", "闯关")


def assign_quiz_id(campaign_id: int | None, quiz: Quiz, actor: User, now: datetime) -> bool:
    """assign_quiz by a 所属活动 select's value (0 or None: no campaign)."""
    return assign_quiz(quiz, get_campaign(campaign_id) if campaign_id else None, actor, now)


def assign_series_id(campaign_id: int | None, series: LevelSeries, actor: User, now: datetime) -> bool:
    """assign_series by a 所属活动 select's value (0 or None: no campaign)."""
    return assign_series(series, get_campaign(campaign_id) if campaign_id else None, actor, now)


# ---------------------------------------------------------------- a new campaign from last year's


def shift_years(value: datetime | None, years: int) -> datetime | None:
    """The same local date and time ``years`` later in the campaign time zone (29 February -> 28)."""
    if value is None or years == 0:
        return value
    local = value.astimezone(CAMPAIGN_TZ)
    try:
        moved = local.replace(year=local.year + years)
    except ValueError:  # 29 February in a year without one
        moved = local.replace(year=local.year + years, day=28)
    return moved.astimezone(value.tzinfo)


def retitle(title: str, old_year: int, new_year: int) -> str:
    """A copied title names the new year where the old one named its own (2025年 -> 2026年)."""
    return title.replace(str(old_year), str(new_year))[:MAX_TITLE]


def start_from_previous(previous: Campaign, fields: CampaignFields, actor: User, now: datetime) -> Campaign:
    """A new campaign started from ``previous``: its quizzes and level series copied as unpublished
    drafts (the quiz builder's new-version operation), quiz windows moved by the difference in years."""
    if fields.year is not None and fields.year <= previous.year:
        raise ValidationFailed(f"新活动的年度应晚于 {previous.year} 年", field="year")
    campaign = create_campaign(fields, actor, now, copied_from=previous)
    years = campaign.year - previous.year
    for quiz in campaign_quizzes(previous):
        copy = create_new_version(quiz, actor, now)
        copy.title = retitle(quiz.title, previous.year, campaign.year)
        copy.opens_at, copy.closes_at = shift_years(quiz.opens_at, years), shift_years(quiz.closes_at, years)
        copy.ranking_metric, copy.display_mode, copy.campaign_id = quiz.ranking_metric, quiz.display_mode, campaign.id
    for series in campaign_series(previous):
        copy = levels.copy_series(series, actor, now, title=retitle(series.title, previous.year, campaign.year))
        copy.campaign_id = campaign.id
    db.session.flush()
    record_audit(actor, "campaign.copy", "campaign", campaign.id,
                 f"由活动 #{previous.id}“{previous.title}”复制测验和闯关（未发布）", now,
                 {"copied_from_id": previous.id})
    return campaign

