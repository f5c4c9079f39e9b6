"""API for trainers and admins: questions, imports, quizzes, results, item analysis and the audit log."""

from __future__ import annotations

from question_bank import QUESTION_TYPES

from ..auth_setup import api_auth, api_user
from ..database import reads_first, write_block
from ..extensions import db
from ..models import STAFF_ROLES
from ..services import audit, quizzes
from ..services.clock import in_campaign_tz_if_naive, isoformat, now_utc
from ..services.pending_imports import get_pending_import
from ..trainer import attempt_results as results
from ..trainer import item_analysis, question_admin, question_import, quiz_builder
from .blueprint import BEARER, bp
from .schemas import (
    AuditOut,
    AuditQuery,
    ImportConfirmIn,
    ImportConfirmOut,
    ImportOut,
    ImportPreviewOut,
    ItemAnalysisOut,
    QuestionImportIn,
    QuestionIn,
    QuestionOut,
    QuestionPreviewIn,
    QuestionsOut,
    QuestionsQuery,
    QuizIn,
    QuizOut,
    ResultsOut,
    ResultsQuery,
)


@bp.post("/questions/import")
@reads_first
@api_auth(*STAFF_ROLES)
@bp.input(QuestionImportIn, location="files", arg_name="files")
@bp.output(ImportOut, status_code=201)
@bp.doc(summary="Import questions from a file (.xlsx, .xls, .csv/.txt, .docx or question text), in one step",
        description="A file with any problem imports nothing (422 invalid_file with every error) unless "
                    "skip_invalid=true; columns that cannot be told are 422 invalid_file with reason "
                    "missing_column and the layout found (headers, missing fields): send a mapping.",
        security=BEARER, responses=[401, 403, 413, 422])
def import_questions(files):
    upload = files["file"]
    mapping = question_import.mapping_from_json(files["mapping"])
    payload = question_import.parse_question_upload(upload.filename or "", upload.read(), mapping=mapping)
    skip_invalid = files["skip_invalid"]
    with write_block():
        summary = question_import.import_parsed(payload, upload.filename or "", "skip", api_user(), now_utc(),
                                                skip_invalid=skip_invalid)
    # the original contract is {"imported", "skipped_duplicates"}: the lists appear when the caller asked
    # for a partial import or there is something to report, so older clients see the same body as before
    reported = {"skipped_invalid": question_import.file_errors(payload) if skip_invalid else [],
                **question_import.report_lists(payload)}
    return {"imported": summary.imported, "skipped_duplicates": summary.skipped_duplicates,
            **(reported if skip_invalid or any(reported.values()) else {})}


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
    return quiz


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
    lists = question_import.report_lists(pending.payload)
    return {
        "token": pending.id, "expires_at": isoformat(pending.expires_at), "filename": pending.filename,
        "rows": len(preview.rows), "new": preview.new_count, "duplicates": preview.duplicate_count,
        "changed": preview.changed_count, "can_confirm": preview.can_confirm,
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in preview.errors],
        "duplicate_rows": [{"row": r.row, "question_id": r.existing_id, "changed": r.changed}
                           for r in preview.rows if r.status == "duplicate"],
        "problem_rows": preview.error_row_count, "can_skip_invalid": preview.can_skip_invalid,
        "warnings": lists["warnings"], "skipped_unsupported": lists["skipped_unsupported"],
        "in_file_duplicates": [{"row": d.row, "first_row": d.first_row, "sheet": d.sheet} for d in preview.duplicates],
        "unknown_columns": preview.unknown_columns, "mapping_source": preview.mapping_source,
        "health": preview.health,
    }


@bp.post("/questions/import/preview")
@reads_first
@api_auth(*STAFF_ROLES)
@bp.input(QuestionPreviewIn, location="files", arg_name="files")
@bp.output(ImportPreviewOut, status_code=201)
@bp.doc(summary="Step 1 of a bulk upload: check the file (with an optional mapping) and keep it for an hour; "
                "nothing is imported", security=BEARER, responses=[401, 403, 413, 422])
def preview_question_import(files):
    upload = files["file"]
    mapping = question_import.mapping_from_json(files["mapping"])
    payload = question_import.with_health(
        question_import.parse_question_upload(upload.filename or "", upload.read(), mapping=mapping))
    with write_block():
        pending = question_import.store_question_upload(api_user(), upload.filename or "", payload, now_utc())
    return _preview_json(pending)


@bp.post("/questions/import/<token>/confirm")
@api_auth(*STAFF_ROLES)
@bp.input(ImportConfirmIn, arg_name="body")
@bp.output(ImportConfirmOut)
@bp.doc(summary="Step 2: import every row of a previewed file, or none (duplicates skipped or updated); "
                "skip_invalid=true leaves the rows with problems out", security=BEARER,
        responses=[401, 403, 404, 410, 422])
def confirm_question_import(token, body):
    now = now_utc()
    pending = get_pending_import(token, api_user(), question_import.KIND, now)
    payload = pending.payload
    summary = question_import.confirm_question_import(pending, question_import.records_of(pending),
                                                      body["on_duplicate"], api_user(), now,
                                                      skip_invalid=body["skip_invalid"])
    return {"imported": summary.imported, "updated": summary.updated,
            "skipped_duplicates": summary.skipped_duplicates,
            "skipped_invalid": question_import.file_errors(payload) if body["skip_invalid"] else [],
            "skipped_unsupported": question_import.report_lists(payload)["skipped_unsupported"]}


@bp.post("/quizzes/<int:quiz_id>/<any(publish, unpublish):action>")
@api_auth(*STAFF_ROLES)
@bp.output(QuizOut)
@bp.doc(summary="Publish (rules checked against the bank) or unpublish a quiz", security=BEARER,
        responses=[401, 403, 404, 422])
def set_quiz_published(quiz_id, action):
    quiz = quizzes.get_quiz(quiz_id, include_unpublished=True)
    change = quiz_builder.publish_quiz if action == "publish" else quiz_builder.unpublish_quiz
    change(quiz, api_user(), now_utc())
    return quiz


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
             "unit": a.user.unit, "number": a.number, "status": a.status,
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
