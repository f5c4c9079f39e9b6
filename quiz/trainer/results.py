"""Results of a quiz: attempts table with unit filter, one attempt's answers, exports, item analysis."""

from __future__ import annotations

from flask import render_template, request

from ..auth_setup import roles_required
from ..extensions import db
from ..models import STAFF_ROLES, Quiz
from . import bank_health, item_analysis, attempt_results as results
from ..services.attempts import review_items
from ..services.clock import now_utc, to_campaign_tz
from ..services.exports import CSV_MIMETYPE, XLSX_MIMETYPE, table_to_csv, table_to_xlsx
from ..services.quizzes import get_quiz
from .attempt_results import EXPORT_HEADERS, ResultFilter
from .blueprint import bp
from ..params import id_arg
from .common import PER_PAGE, download, page_number
from .forms import ResultFilterForm


def _filters(quiz: Quiz) -> tuple[ResultFilterForm, ResultFilter]:
    form = ResultFilterForm(request.args)
    form.unit_id.choices = [(0, "全部单位"), *((unit.id, unit.name) for unit in results.units_in_results(quiz))]
    status = request.args.get("status") or None
    return form, ResultFilter(unit_id=id_arg("unit_id"), status=status)


@bp.get("/quizzes/<int:quiz_id>/results")
@roles_required(*STAFF_ROLES)
def quiz_results(quiz_id: int):
    """Every attempt: employee, unit, score, duration, submitted, status; filter by unit, 50 a page."""
    quiz = get_quiz(quiz_id, include_unpublished=True)
    form, filters = _filters(quiz)
    page = db.paginate(results.attempts_query(quiz, filters), page=page_number(), per_page=PER_PAGE,
                       error_out=False)
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("trainer/results.html", quiz=quiz, form=form, page=page, args=args,
                           summary=results.result_summary(quiz, filters), now=now_utc())


def _export_name(quiz: Quiz, extension: str) -> str:
    stamp = to_campaign_tz(now_utc()).strftime("%Y%m%d-%H%M")
    title = "".join(ch for ch in quiz.title if ch not in '\\/:*?"<>|')[:40] or f"测验{quiz.id}"
    return f"{title}-成绩-{stamp}.{extension}"


@bp.get("/quizzes/<int:quiz_id>/results.xlsx")
@roles_required(*STAFF_ROLES)
def quiz_results_xlsx(quiz_id: int):
    quiz = get_quiz(quiz_id, include_unpublished=True)
    _, filters = _filters(quiz)
    data = table_to_xlsx(EXPORT_HEADERS, results.export_rows(quiz, filters), sheet_title="成绩")
    return download(data, _export_name(quiz, "xlsx"), XLSX_MIMETYPE)


@bp.get("/quizzes/<int:quiz_id>/results.csv")
@roles_required(*STAFF_ROLES)
def quiz_results_csv(quiz_id: int):
    quiz = get_quiz(quiz_id, include_unpublished=True)
    _, filters = _filters(quiz)
    data = table_to_csv(EXPORT_HEADERS, results.export_rows(quiz, filters))
    return download(data, _export_name(quiz, "csv"), CSV_MIMETYPE)


@bp.get("/attempts/<int:attempt_id>")
@roles_required(*STAFF_ROLES)
def attempt_detail(attempt_id: int):
    """One attempt with every answer, the correct options and the points awarded."""
    attempt = results.get_attempt_for_trainer(attempt_id)
    return render_template("trainer/attempt_detail.html", attempt=attempt, quiz=attempt.quiz,
                           items=review_items(attempt) if attempt.is_final else [])


@bp.get("/quizzes/<int:quiz_id>/analysis")
@roles_required(*STAFF_ROLES)
def quiz_analysis(quiz_id: int):
    """Facility, discrimination and option choices per question; weak questions flagged."""
    quiz = get_quiz(quiz_id, include_unpublished=True)
    analysis = item_analysis.analyze_quiz(quiz)
    questions = item_analysis.current_questions(analysis)
    return render_template("trainer/analysis.html", quiz=quiz, analysis=analysis, questions=questions,
                           health=bank_health.paper_health(list(questions.values())))
