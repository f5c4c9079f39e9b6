"""JSON API endpoints: thin; the services do the work and each request commits once."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app, g

from question_bank import QUESTION_TYPES  # trainer

from ..auth_setup import Unauthorized, api_auth, api_identity, api_user, public
from ..boards.blueprint import board_cache
from ..boards.presenters import (  # boards
    cached_json,
    units_board_json,
    users_board_json,
)
from ..database import reads_first, write_block
from ..errors import NotFound  # boards
from ..extensions import db, limiter
from ..models import STAFF_ROLES
from ..services import accounts, attempts, audit, questions, quizzes
from ..trainer import item_analysis, question_admin, question_import, quiz_builder, attempt_results as results
from ..training import levels, mastery, notebook
from ..admin import user_admin
from ..boards.cache import cached_units, cached_users  # boards
from ..services.clock import in_campaign_tz_if_naive, isoformat, now_utc, seconds_until
from ..services.pending_imports import get_pending_import  # trainer
from .presenters import (
    attempt_json,
    quiz_json,
    result_json,
    unit_json,
    unit_ref,
    user_json,
)
from .presenters import unit_ref as trainer_unit_ref  # trainer
from .schemas import (  # boards  # trainer
    AnswerIn,
    AnswerOut,
    AttemptOut,
    AuditOut,
    AuditQuery,
    CategoriesOut,
    ImportConfirmIn,
    ImportConfirmOut,
    ImportIn,
    ImportOut,
    ImportPreviewOut,
    ItemAnalysisOut,
    LeaderboardUnitsOut,
    LeaderboardUsersOut,
    LeaderboardUsersQuery,
    LeaveOut,
    LevelSeriesListOut,
    LevelSeriesOut,
    QuestionIn,
    QuestionOut,
    QuestionsOut,
    QuestionsQuery,
    QuizIn,
    QuizOut,
    QuizzesOut,
    ResultOut,
    ResultsOut,
    ResultsQuery,
    SeriesUnitsOut,
    TokenIn,
    TokenOut,
    TrainingProgressOut,
    UnitIn,
    UnitOut,
    UnitsOut,
    UserIn,
    UserOut,
)

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="API")

BEARER = [{"BearerAuth": []}]


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.post("/tokens")
@reads_first
@public
@limiter.limit(_login_limit, deduct_when=lambda response: response.status_code != 201)
@bp.input(TokenIn, arg_name="body")
@bp.output(TokenOut, status_code=201)
@bp.doc(summary="Exchange username and password for a bearer token", responses=[401, 429])
def create_token(body):
    user = accounts.authenticate(
        body["username"], body["password"], hash_method=current_app.config["PASSWORD_HASH_METHOD"]
    )
    if user is None:
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    now = now_utc()
    with write_block():
        token, record = accounts.issue_token(user, now, current_app.config["API_TOKEN_LIFETIME_SECONDS"])
        accounts.record_login(user, now)
    return {"token": token, "expires_at": isoformat(record.expires_at), "user": user_json(user)}


@bp.delete("/tokens/current")
@api_auth()
@bp.output({}, status_code=204)
@bp.doc(summary="Revoke the token used for this request (log out)", security=BEARER, responses=[401])
def revoke_current_token():
    token = g.get("api_token")
    if token:
        accounts.revoke_token(token, now_utc())
    return ""


@bp.get("/me")
@api_auth()
@bp.output(UserOut)
@bp.doc(summary="The signed-in user", security=BEARER, responses=[401])
def me():
    return user_json(api_user())


@bp.get("/units")
@api_auth()
@bp.output(UnitsOut)
@bp.doc(summary="All units", security=BEARER, responses=[401])
def list_units():
    return {"units": [unit_json(unit) for unit in accounts.list_units()]}


@bp.post("/units")
@api_auth("admin")
@bp.input(UnitIn, arg_name="body")
@bp.output(UnitOut, status_code=201)
@bp.doc(summary="Create a unit (admin)", security=BEARER, responses=[401, 403, 409])
def create_unit(body):
    unit = user_admin.add_unit(body["name"], body["kind"], body["headcount"], api_user(), now_utc())
    return unit_json(unit)


@bp.post("/users")
@reads_first
@api_auth("admin")
@bp.input(UserIn, arg_name="body")
@bp.output(UserOut, status_code=201)
@bp.doc(summary="Create a user (admin)", security=BEARER, responses=[401, 403, 404, 409])
def create_user(body):
    password_hash = accounts.hash_new_password(
        body["password"],
        hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
    )
    with write_block():
        unit = accounts.get_unit(body["unit_id"]) if body["unit_id"] is not None else None
        user = user_admin.add_user(body["username"], body["display_name"], unit, body["role"], password_hash,
                                   api_user(), now_utc())
    return user_json(user)


@bp.post("/questions/import")
@reads_first
@api_auth(*STAFF_ROLES)
@bp.input(ImportIn, location="files", arg_name="files")
@bp.output(ImportOut, status_code=201)
@bp.doc(summary="Import questions from an .xlsx or .csv file in the Chinese template", security=BEARER,
        responses=[401, 403, 413])
def import_questions(files):
    upload = files["file"]
    payload = question_import.parse_question_upload(upload.filename or "", upload.read())
    with write_block():
        summary = question_import.import_parsed(payload, upload.filename or "", "skip", api_user(), now_utc())
    return {"imported": summary.imported, "skipped_duplicates": summary.skipped_duplicates}


@bp.get("/categories")
@api_auth()
@bp.output(CategoriesOut)
@bp.doc(summary="Categories with their number of active questions", security=BEARER, responses=[401])
def list_categories():
    return {
        "categories": [
            {"id": category.id, "name": category.name, "question_count": count}
            for category, count in questions.category_counts()
        ]
    }


@bp.post("/quizzes")
@api_auth(*STAFF_ROLES)
@bp.input(QuizIn, arg_name="body")
@bp.output(QuizOut, status_code=201)
@bp.doc(summary="Create a quiz with draw rules (trainer/admin)", security=BEARER, responses=[401, 403])
def create_quiz(body):
    rules = [
        quizzes.RuleSpec(
            count=rule["count"],
            category_id=quizzes.category_id_by_name(rule["category"]) if rule["category"] else None,
            type=rule["type"],
            difficulty=rule["difficulty"],
            points=rule["points"],
        )
        for rule in body["rules"]
    ]
    settings = quizzes.QuizSettings(
        title=body["title"],
        description=body["description"],
        time_limit_seconds=body["time_limit_seconds"],
        opens_at=in_campaign_tz_if_naive(body["opens_at"]),
        closes_at=in_campaign_tz_if_naive(body["closes_at"]),
        max_attempts=body["max_attempts"],
        max_attempts_per_day=body["max_attempts_per_day"],
        pass_score=body["pass_score"],
        shuffle_questions=body["shuffle_questions"],
        shuffle_options=body["shuffle_options"],
        multiple_choice_scoring=body["multiple_choice_scoring"],
        review_policy=body["review_policy"],
    )
    quiz = quizzes.create_quiz(settings, rules, api_user(), now_utc())
    return quiz_json(quiz)


@bp.get("/quizzes")
@api_auth()
@bp.output(QuizzesOut)
@bp.doc(summary="Published quizzes with the caller's status and attempts used", security=BEARER, responses=[401])
def list_quizzes():
    user, now = api_user(), now_utc()
    items = []
    for quiz in quizzes.published_quizzes():
        status, used = attempts.quiz_status(user, quiz, now)
        item = quiz_json(quiz)
        items.append({**item, "attempts_used": used, "status": status})
    return {"quizzes": items}


@bp.get("/quizzes/<int:quiz_id>")
@api_auth()
@bp.output(QuizOut)
@bp.doc(summary="One published quiz", security=BEARER, responses=[401, 404])
def get_quiz(quiz_id):
    return quiz_json(quizzes.get_quiz(quiz_id))


@bp.post("/quizzes/<int:quiz_id>/attempts")
@api_auth()
@bp.output(AttemptOut, status_code=201, description="A new attempt")
@bp.doc(summary="Start an attempt, or resume the one in progress (200)", security=BEARER,
        responses={200: {"description": "The attempt already in progress",
                         "content": {"application/json": {"schema": AttemptOut}}},
                   401: "Unauthorized", 403: "Quiz closed", 404: "Not found", 409: "Attempts exhausted"})
def start_attempt(quiz_id):
    now = now_utc()
    quiz = quizzes.get_quiz(quiz_id)
    attempt, created = attempts.start_attempt(api_user(), quiz, now)
    return attempt_json(attempt, now), 201 if created else 200


def _load_attempt_finalizing(attempt_id: int, now):
    """The caller's attempt; an overdue one is finalized on this touch."""
    attempt = attempts.get_own_attempt(attempt_id, api_identity().id)
    if attempt.is_overdue(now):
        with write_block():
            attempts.finalize_if_expired(attempt, now)
    return attempt


@bp.get("/attempts/<int:attempt_id>")
@api_auth()
@bp.output(AttemptOut)
@bp.doc(summary="One of the caller's attempts, with its result once finalized", security=BEARER,
        responses=[401, 404])
def get_attempt(attempt_id):
    now = now_utc()
    attempt = _load_attempt_finalizing(attempt_id, now)
    return attempt_json(attempt, now)


@bp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
@api_auth()
@bp.input(AnswerIn, arg_name="body")
@bp.output(AnswerOut)
@bp.doc(summary="Save the selection for one question (autosave)", security=BEARER,
        responses=[401, 404, 409])
def save_answer(attempt_id, question_id, body):
    now = now_utc()
    deadline = attempts.save_answer(attempt_id, api_identity().id, question_id, body["selected"], now)
    return {"saved_at": isoformat(now), "seconds_left": seconds_until(deadline, now)}


@bp.post("/attempts/<int:attempt_id>/submit")
@api_auth()
@bp.output(ResultOut)
@bp.doc(summary="Submit (finalize) the attempt; idempotent", security=BEARER, responses=[401, 404])
def submit_attempt(attempt_id):
    now = now_utc()
    attempt = attempts.get_own_attempt(attempt_id, api_identity().id)
    attempts.submit_attempt(attempt, now)
    return result_json(attempt, now)


@bp.post("/attempts/<int:attempt_id>/leave")
@api_auth()
@bp.output(LeaveOut)
@bp.doc(summary="Record that the quiz page was hidden (tab or app switch); evidence only",
        security=BEARER, responses=[401, 404, 409])
def record_leave(attempt_id):
    count = attempts.record_page_left(attempt_id, api_identity().id, now_utc())
    return {"left_page_count": count}


# ---------------------------------------------------------------- training: 安全知识闯关 and progress
# A level is started like any quiz: POST /api/v1/quizzes/{quiz_id}/attempts (403 level_locked
# until the previous level is passed), then the same answer and submit endpoints.


def _series_json(progress) -> dict:
    series = progress.series
    return {
        "id": series.id,
        "title": series.title,
        "description": series.description,
        "level_count": len(progress.levels),
        "passed_count": progress.passed_count,
        "stars": progress.stars,
        "levels": [
            {
                "quiz_id": state.level.id,
                "number": state.number,
                "title": state.level.title,
                "question_count": state.level.question_count,
                "pass_score": state.level.pass_score,
                "time_limit_seconds": None if state.level.is_untimed else state.level.time_limit_seconds,
                "unlocked": state.unlocked,
                "passed": state.passed,
                "stars": state.stars,
                "best_score": state.best_score,
                "max_score": state.max_score,
                "attempts": state.attempts,
                "in_progress_attempt_id": state.in_progress_attempt_id,
            }
            for state in progress.levels
        ],
    }


@bp.get("/level-series")
@api_auth()
@bp.output(LevelSeriesListOut)
@bp.doc(summary="Published 安全知识闯关 series with the caller's levels: unlocked, passed, stars",
        security=BEARER, responses=[401])
def list_level_series():
    user = api_user()
    return {"series": [_series_json(levels.series_progress(user, s)) for s in levels.published_series()]}


@bp.get("/level-series/<int:series_id>")
@api_auth()
@bp.output(LevelSeriesOut)
@bp.doc(summary="One level series with the caller's progress", security=BEARER, responses=[401, 404])
def get_level_series(series_id):
    return _series_json(levels.series_progress(api_user(), levels.get_series(series_id)))


@bp.get("/level-series/<int:series_id>/units")
@api_auth(*STAFF_ROLES)
@bp.output(SeriesUnitsOut)
@bp.doc(summary="How far each unit's employees have got in a level series (trainer/admin)",
        security=BEARER, responses=[401, 403, 404])
def level_series_units(series_id):
    series = levels.get_series(series_id, include_unpublished=True)
    rows = levels.unit_progress(series)
    return {
        "series_id": series.id,
        "level_count": len(levels.series_levels(series)),
        "units": [
            {"unit": unit_ref(row.unit), "employees": row.employees, "started": row.started,
             "completed": row.completed, "passed": row.passed}
            for row in rows
        ],
    }


@bp.get("/training/progress")
@api_auth()
@bp.output(TrainingProgressOut)
@bp.doc(summary="The caller's mastery per category (last N answers) and notebook size",
        security=BEARER, responses=[401])
def training_progress():
    user = api_user()
    masteries = mastery.category_mastery(user.id)
    weakest = mastery.weakest_category(masteries)
    return {
        "window": mastery.MASTERY_WINDOW,
        "mastery": [
            {"category_id": m.category_id, "name": m.name, "answered": m.answered, "correct": m.correct,
             "share": m.share}
            for m in masteries
        ],
        "weakest_category_id": weakest.category_id if weakest else None,
        "notebook_count": notebook.active_count(user),
    }


# ---------------------------------------------------------------- trainer tools (issue 3)


def _question_columns(body: dict) -> dict[str, str]:
    """An API question as template columns, for question_bank's validation."""
    columns = {"题型": QUESTION_TYPES[body["type"]], "题干": body["stem"], "答案": body["answer"],
               "解析": body["explanation"], "分类": body["category"] or "未分类",
               "难度": str(body["difficulty"]), "分值": str(body["points"]), "出处": body["source"]}
    for letter, option in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", body["options"]):
        columns[f"选项{letter}"] = option
    return columns


def _question_json(question) -> dict:
    record = question_admin.question_to_record(question)
    return {
        "id": question.id, "type": question.type, "stem": question.stem, "options": list(question.options),
        "correct": list(question.correct), "answer": question_admin.record_columns(record)["答案"],
        "explanation": question.explanation, "category": question.category.name, "difficulty": question.difficulty,
        "points": question.points, "source": question.source, "is_active": question.is_active,
    }


def _page_json(page) -> dict:
    return {"page": page.page, "pages": page.pages, "total": page.total}


@bp.get("/questions")
@api_auth(*STAFF_ROLES)
@bp.input(QuestionsQuery, location="query", arg_name="query")
@bp.output(QuestionsOut)
@bp.doc(summary="The question bank, searched and filtered (trainer/admin)", security=BEARER, responses=[401, 403])
def list_questions(query):
    filters = question_admin.QuestionFilter(q=query["q"], category_id=query["category_id"], type=query["type"],
                                            difficulty=query["difficulty"], active=query["active"])
    page = db.paginate(question_admin.question_query(filters), page=query["page"], per_page=query["per_page"],
                       error_out=False)
    return {"questions": [_question_json(q) for q in page.items], **_page_json(page)}


@bp.post("/questions")
@api_auth(*STAFF_ROLES)
@bp.input(QuestionIn, arg_name="body")
@bp.output(QuestionOut, status_code=201)
@bp.doc(summary="Add a question (same rules as the file template; errors keyed by column)", security=BEARER,
        responses=[401, 403, 409, 422])
def create_question(body):
    record = question_admin.check_question(_question_columns(body))
    question = question_admin.create_question(record, api_user(), now_utc())
    return _question_json(question)


@bp.put("/questions/<int:question_id>")
@api_auth(*STAFF_ROLES)
@bp.input(QuestionIn, arg_name="body")
@bp.output(QuestionOut)
@bp.doc(summary="Replace a question; attempts keep the copy they were drawn with", security=BEARER,
        responses=[401, 403, 404, 409, 422])
def update_question(question_id, body):
    question = question_admin.get_question(question_id)
    record = question_admin.check_question(_question_columns(body))
    question_admin.update_question(question, record, api_user(), now_utc())
    return _question_json(question)


@bp.post("/questions/<int:question_id>/<any(activate, deactivate):action>")
@api_auth(*STAFF_ROLES)
@bp.output(QuestionOut)
@bp.doc(summary="Deactivate (no longer drawn at random) or activate a question", security=BEARER,
        responses=[401, 403, 404])
def set_question_active(question_id, action):
    question = question_admin.get_question(question_id)
    question_admin.set_question_active(question, action == "activate", api_user(), now_utc())
    return _question_json(question)


@bp.delete("/questions/<int:question_id>")
@api_auth(*STAFF_ROLES)
@bp.output({}, status_code=204)
@bp.doc(summary="Delete a question no attempt has used and no quiz pins (else 409: deactivate it)",
        security=BEARER, responses=[401, 403, 404, 409])
def delete_question(question_id):
    question_admin.delete_question(question_admin.get_question(question_id), api_user(), now_utc())
    return ""


def _preview_json(pending) -> dict:
    preview = question_import.build_question_preview(pending)
    return {
        "token": pending.id, "expires_at": isoformat(pending.expires_at), "filename": pending.filename,
        "rows": len(preview.rows), "new": preview.new_count, "duplicates": preview.duplicate_count,
        "changed": preview.changed_count, "can_confirm": preview.can_confirm,
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in preview.errors],
        "duplicate_rows": [{"row": r.row, "question_id": r.existing_id, "changed": r.changed}
                           for r in preview.rows if r.status == "duplicate"],
    }


@bp.post("/questions/import/preview")
@reads_first
@api_auth(*STAFF_ROLES)
@bp.input(ImportIn, location="files", arg_name="files")
@bp.output(ImportPreviewOut, status_code=201)
@bp.doc(summary="Step 1 of a bulk upload: check the file and keep it for an hour; nothing is imported",
        security=BEARER, responses=[401, 403, 413, 422])
def preview_question_import(files):
    upload = files["file"]
    payload = question_import.parse_question_upload(upload.filename or "", upload.read())
    with write_block():
        pending = question_import.store_question_upload(api_user(), upload.filename or "", payload, now_utc())
    return _preview_json(pending)


@bp.post("/questions/import/<token>/confirm")
@api_auth(*STAFF_ROLES)
@bp.input(ImportConfirmIn, arg_name="body")
@bp.output(ImportConfirmOut)
@bp.doc(summary="Step 2: import every row of a previewed file, or none (duplicates skipped or updated)",
        security=BEARER, responses=[401, 403, 404, 410, 422])
def confirm_question_import(token, body):
    now = now_utc()
    pending = get_pending_import(token, api_user(), question_import.KIND, now)
    summary = question_import.confirm_question_import(pending, question_import.records_of(pending),
                                                      body["on_duplicate"], api_user(), now)
    return {"imported": summary.imported, "updated": summary.updated,
            "skipped_duplicates": summary.skipped_duplicates}


@bp.post("/quizzes/<int:quiz_id>/<any(publish, unpublish):action>")
@api_auth(*STAFF_ROLES)
@bp.output(QuizOut)
@bp.doc(summary="Publish (rules checked against the bank) or unpublish a quiz", security=BEARER,
        responses=[401, 403, 404, 422])
def set_quiz_published(quiz_id, action):
    quiz = quizzes.get_quiz(quiz_id, include_unpublished=True)
    change = quiz_builder.publish_quiz if action == "publish" else quiz_builder.unpublish_quiz
    change(quiz, api_user(), now_utc())
    return quiz_json(quiz)


@bp.get("/quizzes/<int:quiz_id>/results")
@api_auth(*STAFF_ROLES)
@bp.input(ResultsQuery, location="query", arg_name="query")
@bp.output(ResultsOut)
@bp.doc(summary="Every attempt at a quiz, newest first, optionally for one unit", security=BEARER,
        responses=[401, 403, 404])
def quiz_results(quiz_id, query):
    quiz = quizzes.get_quiz(quiz_id, include_unpublished=True)
    filters = results.ResultFilter(unit_id=query["unit_id"], status=query["status"])
    page = db.paginate(results.attempts_query(quiz, filters), page=query["page"], per_page=query["per_page"],
                       error_out=False)
    summary = results.result_summary(quiz, filters)
    return {
        "attempts": [
            {"id": a.id, "user_id": a.user.id, "username": a.user.username, "display_name": a.user.display_name,
             "unit": trainer_unit_ref(a.user.unit), "number": a.number, "status": a.status,
             "score": a.score, "max_score": a.max_score, "passed": a.passed, "correct_count": a.correct_count,
             "question_count": a.question_count, "duration_seconds": a.duration_seconds,
             "started_at": isoformat(a.started_at), "submitted_at": isoformat(a.submitted_at),
             "left_page_count": a.left_page_count}
            for a in page.items
        ],
        **_page_json(page),
        "summary": {"attempt_count": summary.attempt_count, "final_count": summary.final_count,
                    "participant_count": summary.participant_count, "average_score": summary.average_score,
                    "pass_rate": summary.pass_rate},
    }


@bp.get("/quizzes/<int:quiz_id>/item-analysis")
@api_auth(*STAFF_ROLES)
@bp.output(ItemAnalysisOut)
@bp.doc(summary="Facility, discrimination (upper vs lower 27 %) and option choices per question", security=BEARER,
        responses=[401, 403, 404])
def quiz_item_analysis(quiz_id):
    analysis = item_analysis.analyze_quiz(quizzes.get_quiz(quiz_id, include_unpublished=True))
    return {
        "attempt_count": analysis.attempt_count,
        "group_size": analysis.group_size,
        "items": [
            {"question_id": item.question_id, "type": item.type, "stem": item.stem, "options": item.options,
             "correct": item.correct, "attempts": item.attempts, "answered": item.answered,
             "correct_count": item.correct_count, "facility": item.facility, "discrimination": item.discrimination,
             "upper_count": item.upper_count, "lower_count": item.lower_count, "option_counts": item.option_counts,
             "unanswered": item.unanswered, "needs_review": item.needs_review, "flags": item.flags}
            for item in analysis.items
        ],
    }


@bp.get("/audit")
@api_auth("admin")
@bp.input(AuditQuery, location="query", arg_name="query")
@bp.output(AuditOut)
@bp.doc(summary="The audit log, newest first (admin)", security=BEARER, responses=[401, 403])
def audit_log(query):
    filters = audit.AuditFilter(target_type=query["target_type"], target_id=query["target_id"],
                                actor_id=query["actor_id"], action=query["action"])
    page = db.paginate(audit.audit_query(filters), page=query["page"], per_page=query["per_page"], error_out=False)
    return {
        "entries": [
            {"id": e.id, "created_at": isoformat(e.created_at), "actor_id": e.actor_id, "actor_name": e.actor_name,
             "action": e.action, "target_type": e.target_type, "target_id": e.target_id, "summary": e.summary,
             "changes": e.changes}
            for e in page.items
        ],
        **_page_json(page),
    }


# ---------------------------------------------------------------- boards (issue 4)


def _board_quiz_id(quiz_id: int) -> int:
    """A quiz whose leaderboards the caller may read (trainers and admins: unpublished ones too).

    Uses the board cache's memoized state, so a warm leaderboard request loads no quiz.
    """
    state = board_cache().state(quiz_id)
    if state is None or (not state.is_published and api_identity().role not in STAFF_ROLES):
        raise NotFound("测验不存在", code="quiz_not_found")
    return quiz_id


@bp.get("/quizzes/<int:quiz_id>/leaderboard/units")
@api_auth()
@bp.output(LeaderboardUnitsOut)
@bp.doc(summary="The unit board of a quiz (ranking rules: docs/boards.md)", security=BEARER, responses=[401, 404])
def leaderboard_units(quiz_id):
    quiz_id = _board_quiz_id(quiz_id)
    entry = cached_units(board_cache(), quiz_id, now_utc())
    # The body is built once per board version and reused (no per-request serialization).
    return cached_json(("api-units", quiz_id), entry, lambda: units_board_json(entry.value))


@bp.get("/quizzes/<int:quiz_id>/leaderboard/users")
@api_auth()
@bp.input(LeaderboardUsersQuery, location="query", arg_name="query")
@bp.output(LeaderboardUsersOut)
@bp.doc(summary="The individual board of a quiz, whole contest or one unit (rank within the unit)",
        security=BEARER, responses=[401, 404])
def leaderboard_users(quiz_id, query):
    quiz_id = _board_quiz_id(quiz_id)
    cache, now = board_cache(), now_utc()
    unit_id, limit = query["unit_id"], query["limit"]
    if unit_id is not None and cached_units(cache, quiz_id, now).value.unit(unit_id) is None:
        raise NotFound("单位不存在", code="unit_not_found")
    entry = cached_users(cache, quiz_id, now)
    return cached_json(("api-users", quiz_id, unit_id, limit), entry,
                       lambda: users_board_json(entry.value, unit_id, limit))
