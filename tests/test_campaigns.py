"""Campaigns (活动): the rules, copying last year's as drafts, the campaign board, the 活动总结,
the pages (bad input refused in Chinese, nothing saved), the API and who may do what."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from quiz.campaigns import services
from quiz.campaigns.board import campaign_board, campaign_summary, person_scores
from quiz.campaigns.services import CampaignFields
from quiz.errors import ValidationFailed
from quiz.extensions import db
from quiz.models import AuditEntry, Campaign, LevelSeries, Quiz
from quiz.services.clock import CAMPAIGN_TZ
from quiz.services.quizzes import RuleSpec
from quiz.training import levels

from boards_helpers import contest, take
from helpers import T0

#: a day long before both campaigns: units created then are not "new this year"
OLD = datetime(2024, 1, 1, tzinfo=timezone.utc)


def local(*args) -> datetime:
    """A time in the campaign's time zone, as aware UTC."""
    return datetime(*args, tzinfo=CAMPAIGN_TZ).astimezone(timezone.utc)


def fields(year=2026, title=None, theme="人人讲安全、个个会应急", starts=None, ends=None) -> CampaignFields:
    return CampaignFields(title or f"{year}年安全生产月", year, theme, starts or date(year, 6, 1), ends or date(year, 6, 30))


def make_campaign(build, year=2026, **kwargs) -> Campaign:
    actor = kwargs.pop("actor", None) or build.user(f"t{year}", role="trainer")
    campaign = services.create_campaign(fields(year, **kwargs), actor, T0)
    db.session.commit()
    return campaign


def old_unit(build, name, headcount):
    unit = build.unit(name, headcount=headcount)
    unit.created_at = OLD
    db.session.commit()
    return unit


# ---------------------------------------------------------------- the campaign rule


@pytest.mark.parametrize("change, field, message", [
    ({"title": "  "}, "title", "活动名称不能为空"),
    ({"title": "长" * 201}, "title", "不超过 200 个字符"),
    ({"year": 1999}, "year", "年度应在 2000 年至 2099 年之间"),
    ({"year": None}, "year", "年度应在"),
    ({"theme": "题" * 201}, "theme", "主题不超过 200 个字符"),
    ({"starts_on": None}, "starts_on", "请填写开始日期"),
    ({"starts_on": date(2025, 12, 30)}, "starts_on", "开始日期应在 2026 年内"),
    ({"ends_on": date(2026, 5, 31)}, "ends_on", "结束日期不能早于开始日期"),
])
def test_validate_refuses_bad_fields(app, change, field, message):
    data = fields()
    for name, value in change.items():
        setattr(data, name, value)
    with pytest.raises(ValidationFailed) as refused:
        services.validate_campaign(data)
    assert refused.value.extra["field"] == field
    assert message in refused.value.message


def test_one_campaign_a_year_and_update_is_audited(build):
    campaign = make_campaign(build, 2026)
    with pytest.raises(ValidationFailed, match="2026 年度已有活动"):
        services.create_campaign(fields(2026, title="另一个"), None, T0)
    actor = build.user("editor", role="trainer")
    changes = services.update_campaign(campaign, fields(2026, theme="新主题"), actor, T0)
    db.session.commit()
    assert changes == {"theme": ["人人讲安全、个个会应急", "新主题"]}
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "campaign")).all()
    assert sorted(actions) == ["campaign.create", "campaign.update"]
    # saving unchanged fields is no change (and writes no audit row); its own year is no clash
    assert services.update_campaign(campaign, fields(2026, theme="新主题"), actor, T0) == {}


def test_current_campaign_by_the_campaign_time_zone(build):
    assert services.current_campaign(T0) is None
    last = make_campaign(build, 2025)
    this = make_campaign(build, 2026)
    assert services.current_campaign(T0) == this  # 2026-06-10: inside this year's dates
    assert services.current_campaign(local(2026, 3, 1, 12)) == last  # between: the most recent one held
    assert services.current_campaign(local(2024, 5, 1, 12)) == last  # before both: the next to start
    # 1 June 00:30 in Shanghai is still 31 May in UTC: the day is the campaign time zone's
    assert services.current_campaign(local(2026, 6, 1, 0, 30)) == this
    assert services.current_campaign(local(2026, 5, 31, 23, 30)) == last
    assert services.previous_campaign(this) == last and services.previous_campaign(last) is None


def test_shift_years_keeps_the_local_time():
    assert services.shift_years(local(2025, 6, 1, 9), 1) == local(2026, 6, 1, 9)
    assert services.shift_years(local(2024, 2, 29, 8), 1) == local(2025, 2, 28, 8)
    assert services.shift_years(None, 1) is None
    assert services.retitle("2025年安全知识竞赛", 2025, 2026) == "2026年安全知识竞赛"


# ---------------------------------------------------------------- a new campaign from last year's


def test_start_from_previous_copies_quizzes_and_series_as_drafts_with_shifted_dates(build):
    trainer = build.user("copier", role="trainer")
    last = make_campaign(build, 2025, title="2025年安全生产月", actor=trainer)
    quiz = contest(build, title="2025年安全知识竞赛", opens_at=local(2025, 6, 1, 9), closes_at=local(2025, 6, 30, 18))
    quiz.ranking_metric = "composite"
    outside = contest(build, title="不属于活动的测验")
    services.assign_quiz(quiz, last, trainer, T0)
    series = levels.create_series("2025年知识闯关", "说明", trainer)
    for title in ("第一关", "第二关"):
        levels.add_level(series, title=title, rules=[RuleSpec(count=5, type="single")], pass_percent=60,
                         time_limit_seconds=None, created_by=trainer, now=T0)
    levels.set_series_published(series, True)
    services.assign_series(series, last, trainer, T0)
    db.session.commit()

    new = services.start_from_previous(last, fields(2026, title="2026年安全生产月"), trainer, T0)
    db.session.commit()

    assert new.copied_from_id == last.id and new.year == 2026
    [copy] = services.campaign_quizzes(new)
    assert copy.id != quiz.id and copy.previous_version_id == quiz.id
    assert copy.title == "2026年安全知识竞赛" and not copy.is_published
    assert (copy.opens_at, copy.closes_at) == (local(2026, 6, 1, 9), local(2026, 6, 30, 18))
    assert [(r.count, r.type, r.points) for r in copy.rules] == [(r.count, r.type, r.points) for r in quiz.rules]
    assert copy.pass_score == quiz.pass_score and copy.ranking_metric == "composite"
    [series_copy] = services.campaign_series(new)
    assert series_copy.title == "2026年知识闯关" and not series_copy.is_published
    copied_levels = levels.series_levels(series_copy)
    assert [(lv.title, lv.position, lv.kind, lv.is_published) for lv in copied_levels] == [
        ("第一关", 1, "level", False), ("第二关", 2, "level", False)]
    # last year's campaign is untouched; a quiz outside it is not copied
    assert services.campaign_quizzes(last) == [quiz] and quiz.is_published and series.is_published
    assert db.session.scalar(select(func.count(Quiz.id)).where(Quiz.title == outside.title)) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "campaign.copy")) == 1


def test_start_from_previous_refuses_an_earlier_year_and_saves_nothing(build):
    trainer = build.user("copier", role="trainer")
    last = make_campaign(build, 2025, actor=trainer)
    services.assign_quiz(contest(build), last, trainer, T0)
    db.session.commit()
    quizzes_before = db.session.scalar(select(func.count(Quiz.id)))
    with pytest.raises(ValidationFailed, match="新活动的年度应晚于 2025 年"):
        services.start_from_previous(last, fields(2025), trainer, T0)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Campaign.id))) == 1
    assert db.session.scalar(select(func.count(Quiz.id))) == quizzes_before


def test_assign_refuses_level_quizzes(build):
    trainer = build.user("assigner", role="trainer")
    campaign = make_campaign(build, actor=trainer)
    series = levels.create_series("闯关", "", trainer)
    build.questions(5, type="single")
    level = levels.add_level(series, title="一", rules=[RuleSpec(count=5, type="single")], pass_percent=60,
                             time_limit_seconds=None, created_by=trainer, now=T0)
    with pytest.raises(ValidationFailed, match="闯关关卡随其闯关归属活动"):
        services.assign_quiz(level, campaign, trainer, T0)


# ---------------------------------------------------------------- the campaign board


@pytest.fixture
def two_years(build):
    """2025: one quiz (library 1 of 4 at 60 %).  2026: two quizzes, library 2 of 4 (70 %, 80 %),
    museum 1 of 2 (100 %), 档案馆 nobody, 新馆 (created after 2025's campaign) 1 of 1 (40 %)."""
    trainer = build.user("organiser", role="trainer")
    library, museum = old_unit(build, "区图书馆", 4), old_unit(build, "区博物馆", 2)
    old_unit(build, "区档案馆", 3)
    fresh = build.unit("新馆", headcount=1)
    fresh.created_at = T0 - timedelta(days=30)
    last, this = make_campaign(build, 2025, actor=trainer), make_campaign(build, 2026, actor=trainer)
    a1, a2 = build.user("amy", unit=library), build.user("andy", unit=library)
    b1, n1 = build.user("bob", unit=museum), build.user("nina", unit=fresh)
    old_quiz = contest(build, title="2025竞赛", opens_at=local(2025, 6, 1), closes_at=local(2025, 7, 1))
    q1, q2, other = contest(build, title="竞赛一"), contest(build, title="竞赛二"), contest(build, title="活动外")
    services.assign_quiz(old_quiz, last, trainer, T0)
    services.assign_quiz(q1, this, trainer, T0)
    services.assign_quiz(q2, this, trainer, T0)
    db.session.commit()
    take(a1, old_quiz, 6, at=local(2025, 6, 10, 10))
    take(a1, q1, 9)
    take(a1, q2, 5, at=T0 + timedelta(hours=1))        # a1: (90 + 50) / 2 = 70
    take(a2, q1, 4)
    take(a2, q1, 8, at=T0 + timedelta(hours=2))        # a2: best of 40 and 80 = 80
    take(b1, q2, 10)                                    # b1: 100
    take(n1, q1, 4)                                     # n1: 40
    take(b1, other, 0)                                  # a quiz outside the campaign counts nowhere
    take(a2, q2, 10, submit=False)                      # unfinished: counts nowhere
    return {"last": last, "this": this, "library": library, "museum": museum, "fresh": fresh,
            "quizzes": (q1, q2), "trainer": trainer, "users": (a1, a2, b1, n1)}


def test_person_scores_average_each_persons_best_percentages(two_years):
    q1, q2 = two_years["quizzes"]
    people = person_scores([q1, q2])
    rows = {user_id: (round(score, 2), count) for user_id, _, score, count in db.session.execute(select(people))}
    a1, a2, b1, n1 = two_years["users"]
    assert rows == {a1.id: (70.0, 2), a2.id: (80.0, 1), b1.id: (100.0, 1), n1.id: (40.0, 1)}


def test_campaign_board_figures_and_ranking(two_years):
    board = campaign_board(two_years["this"], T0)
    table = [(r.rank, r.unit, r.participants, r.headcount, r.participation_rate, r.average_score) for r in board.units]
    assert table == [
        (1, "区博物馆", 1, 2, 0.5, 100.0),
        (2, "区图书馆", 2, 4, 0.5, 75.0),
        (3, "新馆", 1, 1, 1.0, 40.0),
        (None, "区档案馆", 0, 3, 0.0, None),  # without participants: last, unranked, never hidden
    ]
    totals = board.totals
    assert (totals.participants, totals.headcount, totals.participation_rate, totals.average_score) == (4, 10, 0.4, 72.5)
    assert board.quiz_ids == [q.id for q in two_years["quizzes"]]


def test_campaign_without_quizzes_lists_every_unit_unranked(build):
    old_unit(build, "办公室", 5)
    board = campaign_board(make_campaign(build), T0)
    assert [(r.rank, r.unit, r.participants) for r in board.units] == [(None, "办公室", 0)]
    assert board.totals.average_score is None and board.totals.participation_rate == 0


def test_summary_compares_with_the_previous_campaign(two_years):
    summary = campaign_summary(two_years["this"], two_years["last"], T0)
    rows = {r.unit: r for r in summary.units}
    library = rows["区图书馆"]
    assert (library.previous_participants, library.previous_rate, library.previous_average) == (1, 0.25, 60.0)
    assert (library.rate_change, library.average_change) == (25.0, 15.0)
    museum = rows["区博物馆"]
    assert (museum.previous_rate, museum.previous_average, museum.rate_change, museum.average_change) == (0.0, None, 50.0, None)
    fresh = rows["新馆"]  # created after last year's campaign ended: no previous figures, marked new
    assert fresh.is_new and fresh.previous_rate is None and fresh.rate_change is None
    assert not library.is_new and not rows["区档案馆"].is_new
    assert rows["区档案馆"].rate_change == 0.0
    # overall: 1 of 10 last year (10 %, 60) against 4 of 10 (40 %, 72.5)
    assert (summary.rate_change, summary.average_change) == (30.0, 12.5)


def test_summary_without_a_previous_campaign(two_years):
    summary = campaign_summary(two_years["last"], None, T0)
    assert summary.previous is None and summary.rate_change is None
    assert all(r.previous_rate is None and not r.is_new for r in summary.units)


# ---------------------------------------------------------------- pages


def test_summary_page_xlsx_and_charts(client, two_years, web_login):
    web_login(two_years["trainer"])
    this = two_years["this"]
    page = client.get(f"/campaigns/{this.id}/summary")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "与 2025 年对比" in html and "今年新增" in html and "+25.0" in html and "区档案馆" in html
    response = client.get(f"/campaigns/{this.id}/summary.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["总体对比", "各单位对比", "说明"]
    units = {row[1]: row for row in book["各单位对比"].iter_rows(min_row=2, values_only=True)}
    assert units["区图书馆"][4:7] == (0.5, 0.25, 25.0) and units["区图书馆"][7:10] == (75.0, 60.0, 15.0)
    assert units["新馆"][10] == "今年新增单位" and units["新馆"][5] is None
    for name in ("participation", "average", "board"):
        chart = client.get(f"/campaigns/{this.id}/charts/{name}.svg?w=360")
        assert chart.status_code == 200 and chart.mimetype == "image/svg+xml" and "<script" not in chart.get_data(as_text=True)
    assert client.get(f"/campaigns/{this.id}/charts/nope.svg").status_code == 404


def test_board_page_for_employees_but_not_the_summary(client, two_years, web_login):
    a1 = two_years["users"][0]
    web_login(a1)
    this = two_years["this"]
    html = client.get(f"/campaigns/{this.id}/board").get_data(as_text=True)
    assert "区博物馆" in html and "本单位" in html and "75.0%" in html
    assert client.get(f"/campaigns/{this.id}/charts/board.svg").status_code == 200
    for url in (f"/campaigns/{this.id}/summary", f"/campaigns/{this.id}/summary.xlsx", "/campaigns/",
                f"/campaigns/{this.id}", f"/campaigns/{this.id}/charts/participation.svg"):
        assert client.get(url).status_code in (403, 404), url
    assert client.get("/campaigns/999999/board").status_code == 404


def test_home_page_shows_the_current_campaign(client, build, web_login):
    user = build.user("emp")
    web_login(user)
    assert 'id="current-campaign"' not in client.get("/").get_data(as_text=True)
    today = datetime.now(CAMPAIGN_TZ).date()
    services.create_campaign(CampaignFields("本年度安全生产月", today.year, "人人讲安全、个个会应急",
                                            date(today.year, 1, 1), date(today.year, 12, 31)), None, T0)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "本年度安全生产月" in html and "主题：人人讲安全、个个会应急" in html and f"{today.year}-01-01" in html


def _form(**change):
    data = {"title": "2026年安全生产月", "year": "2026", "theme": "人人讲安全、个个会应急",
            "starts_on": "2026-06-01", "ends_on": "2026-06-30"}
    data.update(change)
    return data


@pytest.mark.parametrize("change, message", [
    ({"title": ""}, "请填写活动名称"),
    ({"year": "abc"}, "年度"),
    ({"year": "1999", "starts_on": "1999-06-01", "ends_on": "1999-06-30"}, "年度应在 2000 年至 2099 年之间"),
    ({"starts_on": "2026-13-45"}, "日期"),
    ({"ends_on": "2026-05-01"}, "结束日期不能早于开始日期"),
    ({"starts_on": "2027-06-01", "ends_on": "2027-06-30"}, "开始日期应在 2026 年内"),
])
def test_create_form_refuses_bad_input_in_chinese(client, trainer, change, message):
    response = client.post("/campaigns/new", data=_form(**change))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_create_edit_and_assign_through_the_pages(client, trainer, build):
    response = client.post("/campaigns/new", data=_form())
    campaign = db.session.scalar(select(Campaign))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert client.post("/campaigns/new", data=_form(title="重复")).status_code == 422  # one a year
    assert client.post(f"/campaigns/{campaign.id}/edit", data=_form(theme="新主题")).status_code == 302
    db.session.refresh(campaign)
    assert campaign.theme == "新主题"
    bad = client.post(f"/campaigns/{campaign.id}/edit", data=_form(ends_on="2026-01-01"))
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in bad.get_data(as_text=True)
    db.session.refresh(campaign)
    assert campaign.ends_on == date(2026, 6, 30)

    quiz = contest(build, title="竞赛")
    series = levels.create_series("闯关", "", trainer)
    db.session.commit()
    assert client.post(f"/campaigns/{campaign.id}/quizzes", data={"q-quiz_id": quiz.id}).status_code == 302
    assert client.post(f"/campaigns/{campaign.id}/series", data={"s-series_id": series.id}).status_code == 302
    db.session.refresh(quiz), db.session.refresh(series)
    assert quiz.campaign_id == campaign.id and series.campaign_id == campaign.id
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "竞赛" in page and "闯关" in page
    # a junk choice is refused, nothing changes
    assert client.post(f"/campaigns/{campaign.id}/quizzes", data={"q-quiz_id": "99999"}).status_code == 302
    assert client.post(f"/campaigns/{campaign.id}/quizzes/{quiz.id}/remove").status_code == 302
    assert client.post(f"/campaigns/{campaign.id}/series/{series.id}/remove").status_code == 302
    db.session.refresh(quiz), db.session.refresh(series)
    assert quiz.campaign_id is None and series.campaign_id is None


def test_copy_page_creates_next_years_campaign_with_drafts(client, trainer, build):
    last = make_campaign(build, 2025, title="2025年安全生产月", actor=trainer)
    quiz = contest(build, title="2025年竞赛", opens_at=local(2025, 6, 1, 9), closes_at=local(2025, 6, 30, 18))
    services.assign_quiz(quiz, last, trainer, T0)
    db.session.commit()
    form = client.get(f"/campaigns/{last.id}/copy").get_data(as_text=True)
    assert 'value="2026年安全生产月"' in form and 'value="2026-06-01"' in form
    response = client.post(f"/campaigns/{last.id}/copy", data=_form(year="2025"))
    assert response.status_code == 422 and "新活动的年度应晚于 2025 年" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Campaign.id))) == 1
    response = client.post(f"/campaigns/{last.id}/copy", data=_form())
    assert response.status_code == 302
    new = db.session.scalar(select(Campaign).where(Campaign.year == 2026))
    [copy] = services.campaign_quizzes(new)
    assert copy.title == "2026年竞赛" and not copy.is_published and copy.opens_at == local(2026, 6, 1, 9)


def test_quiz_form_and_series_form_set_the_campaign(client, trainer, build):
    campaign = make_campaign(build, actor=trainer)
    build.questions(5, type="single")
    form = client.get("/trainer/quizzes/new").get_data(as_text=True)
    assert "所属活动" in form and ">2026年安全生产月</option>" in form
    response = client.post("/trainer/quizzes/new", data={
        "title": "活动竞赛", "time_limit_minutes": "20", "pass_score": "6", "max_attempts": "1",
        "review_policy": "immediate", "multiple_choice_scoring": "all_or_nothing", "display_mode": "list",
        "campaign_id": str(campaign.id), "rules-0-category_id": "0", "rules-0-type": "single",
        "rules-0-difficulty": "0", "rules-0-count": "5", "rules-0-points": "2", "save": "保存",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    quiz = db.session.scalar(select(Quiz).where(Quiz.title == "活动竞赛"))
    assert quiz.campaign_id == campaign.id
    edit = client.get(f"/trainer/quizzes/{quiz.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{campaign.id}">' in edit
    bad = client.post("/trainer/quizzes/new", data={"title": "x", "time_limit_minutes": "20", "pass_score": "0",
                                                    "review_policy": "immediate", "multiple_choice_scoring": "all_or_nothing",
                                                    "display_mode": "list", "campaign_id": "424242", "save": "保存"})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count(Quiz.id)).where(Quiz.title == "x")) == 0

    assert client.post("/training/manage", data={"title": "活动闯关", "description": "", "campaign_id": campaign.id}).status_code == 302
    series = db.session.scalar(select(LevelSeries).where(LevelSeries.title == "活动闯关"))
    assert series.campaign_id == campaign.id
    assert client.post(f"/training/manage/{series.id}", data={"title": "活动闯关", "campaign_id": "0"}).status_code == 302
    db.session.refresh(series)
    assert series.campaign_id is None


def test_employees_cannot_create_edit_copy_or_assign(client, build, web_login):
    campaign = make_campaign(build)
    quiz = contest(build)
    web_login(build.user("emp"))
    for method, url, data in [
        ("get", "/campaigns/new", None), ("post", "/campaigns/new", _form(year="2027")),
        ("get", f"/campaigns/{campaign.id}/edit", None), ("post", f"/campaigns/{campaign.id}/edit", _form(theme="x")),
        ("post", f"/campaigns/{campaign.id}/copy", _form(year="2027")),
        ("post", f"/campaigns/{campaign.id}/quizzes", {"q-quiz_id": quiz.id}),
    ]:
        assert getattr(client, method)(url, data=data).status_code == 403, url
    db.session.refresh(campaign), db.session.refresh(quiz)
    assert campaign.theme == "人人讲安全、个个会应急" and quiz.campaign_id is None
    assert db.session.scalar(select(func.count(Campaign.id))) == 1


# ---------------------------------------------------------------- API


def test_api_campaigns(api, two_years, build):
    employee = api(two_years["users"][0])
    this, last = two_years["this"], two_years["last"]
    draft = contest(build, title="草稿", is_published=False)
    services.assign_quiz(draft, this, two_years["trainer"], T0)
    db.session.commit()
    listing = employee.get("/api/v1/campaigns")
    assert listing.status_code == 200
    assert [(c["id"], c["year"]) for c in listing.json["campaigns"]] == [(this.id, 2026), (last.id, 2025)]
    assert listing.json["campaigns"][1]["theme"] == "人人讲安全、个个会应急"
    detail = employee.get(f"/api/v1/campaigns/{this.id}")
    q1, q2 = two_years["quizzes"]
    assert detail.json["quiz_ids"] == [q1.id, q2.id] and detail.json["series_ids"] == []  # the draft is hidden
    assert detail.json["starts_on"] == "2026-06-01"
    staff = api(two_years["trainer"]).get(f"/api/v1/campaigns/{this.id}")
    assert staff.json["quiz_ids"] == [q1.id, q2.id, draft.id]
    board = employee.get(f"/api/v1/campaigns/{this.id}/leaderboard/units")
    assert board.status_code == 200 and board.json["metric"] == "average_score"
    assert [(u["rank"], u["unit"], u["average_score"]) for u in board.json["units"]][:2] == [
        (1, "区博物馆", 100.0), (2, "区图书馆", 75.0)]
    assert board.json["updated_at"].endswith("+08:00")
    missing = employee.get("/api/v1/campaigns/99999")
    assert missing.status_code == 404 and missing.json["error"] == "campaign_not_found"
    assert employee.get("/api/v1/campaigns/99999/leaderboard/units").status_code == 404
    assert api().get("/api/v1/campaigns").status_code == 401


def test_big_screen_shows_the_campaign_board(client, two_years):
    from quiz.boards.links import create_display_link

    q1 = two_years["quizzes"][0]
    token, _ = create_display_link(q1, "大厅", created_by=None, now=T0)
    db.session.commit()
    data = client.get(f"/boards/display/{token}/data").json
    assert data["campaign"]["title"] == "2026年安全生产月"
    assert [u["unit"] for u in data["campaign"]["units"]][:2] == ["区博物馆", "区图书馆"]
    assert 'id="campaign-table"' in client.get(f"/boards/display/{token}").get_data(as_text=True)
