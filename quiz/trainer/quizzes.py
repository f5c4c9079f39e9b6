"""The quiz builder: settings, draw rules, fixed papers, live totals, sample draw, publishing, versions."""

from __future__ import annotations

import random
from datetime import datetime, timezone

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth_setup import roles_required
from ..campaigns import services as campaigns
from ..database import atomic
from ..errors import DomainError
from ..extensions import db
from ..models import STAFF_ROLES, Question, Quiz
from . import quiz_builder
from ..services import quiz_display
from ..services import quizzes as quiz_service
from ..services.clock import in_campaign_tz_if_naive, now_utc, to_campaign_tz
from .question_admin import category_choices
from .quiz_builder import FROZEN_SETTINGS
from ..services.quizzes import QuizSettings, RuleSpec, get_quiz
from .blueprint import bp
from .common import add_field_error, show_domain_error
from .forms import ActionForm, QuizForm, parse_question_ids

SPARE_RULE_ROWS = 2


def _get_quiz(quiz_id: int) -> Quiz:
    return get_quiz(quiz_id, include_unpublished=True)


def _utc(value: datetime | None) -> datetime | None:
    """A local time typed into the form, read in the campaign's time zone."""
    return None if value is None else in_campaign_tz_if_naive(value).astimezone(timezone.utc)


def _local_naive(value: datetime | None) -> datetime | None:
    local = to_campaign_tz(value)
    return None if local is None else local.replace(tzinfo=None)


def _prepare(form: QuizForm) -> None:
    categories = [(0, "全部分类"), *category_choices()]
    for entry in form.rules:
        entry.form.category_id.choices = categories
    form.campaign_id.choices = campaigns.campaign_choices()


def _fill_from_quiz(form: QuizForm, quiz: Quiz) -> None:
    form.title.data = quiz.title
    form.description.data = quiz.description
    form.time_limit_minutes.data = max(1, round(quiz.time_limit_seconds / 60))
    form.opens_at.data = _local_naive(quiz.opens_at)
    form.closes_at.data = _local_naive(quiz.closes_at)
    form.max_attempts.data = quiz.max_attempts
    form.max_attempts_per_day.data = quiz.max_attempts_per_day
    form.pass_score.data = quiz.pass_score
    form.review_policy.data = quiz.review_policy
    form.multiple_choice_scoring.data = quiz.multiple_choice_scoring
    form.shuffle_questions.data = quiz.shuffle_questions
    form.shuffle_options.data = quiz.shuffle_options
    form.display_mode.data = quiz.display_mode
    form.campaign_id.data = quiz.campaign_id or 0
    pinned = [rule for rule in quiz.rules if rule.question_id is not None]
    form.fixed_questions.data = ", ".join(str(rule.question_id) for rule in pinned)
    pinned_points = {rule.points for rule in pinned}
    form.fixed_points.data = pinned_points.pop() if len(pinned_points) == 1 else None
    while len(form.rules):
        form.rules.pop_entry()
    for rule in quiz.rules:
        if rule.question_id is None:
            form.rules.append_entry({"category_id": rule.category_id or 0, "type": rule.type or "",
                                     "difficulty": rule.difficulty or 0, "count": rule.count, "points": rule.points})


def _new_form(quiz: Quiz | None = None) -> QuizForm:
    form = QuizForm()
    if request.method == "GET":
        if quiz is not None:
            _fill_from_quiz(form, quiz)
        for _ in range(SPARE_RULE_ROWS):
            form.rules.append_entry()
    _prepare(form)
    return form


def _specs_with_fields(form: QuizForm) -> list[tuple[RuleSpec, object, int | None]]:
    """The form's rules as RuleSpecs (fixed questions first), each with the field for its errors
    and the index of its row in the rules table (None for fixed questions)."""
    pairs: list[tuple[RuleSpec, object, int | None]] = []
    try:
        ids = parse_question_ids(form.fixed_questions.data)
    except ValueError:
        ids = []
    for question_id in ids:
        pairs.append((RuleSpec(count=1, question_id=question_id, points=form.fixed_points.data), form.fixed_questions,
                      None))
    for index, entry in enumerate(form.rules):
        rule = entry.form
        if rule.is_blank() or rule.count.data is None:
            continue
        pairs.append((
            RuleSpec(count=rule.count.data, category_id=rule.category_id.data or None, type=rule.type.data or None,
                     difficulty=rule.difficulty.data or None, points=rule.points.data),
            rule.count,
            index,
        ))
    return pairs


def _settings(form: QuizForm) -> QuizSettings:
    return QuizSettings(
        title=(form.title.data or "").strip(),
        description=form.description.data or "",
        time_limit_seconds=(form.time_limit_minutes.data or 0) * 60,
        opens_at=_utc(form.opens_at.data),
        closes_at=_utc(form.closes_at.data),
        max_attempts=form.max_attempts.data,
        max_attempts_per_day=form.max_attempts_per_day.data,
        pass_score=float(form.pass_score.data or 0),
        shuffle_questions=bool(form.shuffle_questions.data),
        shuffle_options=bool(form.shuffle_options.data),
        multiple_choice_scoring=form.multiple_choice_scoring.data,
        review_policy=form.review_policy.data,
    )


def _field_map(form: QuizForm) -> dict:
    return {
        "title": form.title, "description": form.description, "time_limit_seconds": form.time_limit_minutes,
        "opens_at": form.opens_at, "closes_at": form.closes_at, "max_attempts": form.max_attempts,
        "max_attempts_per_day": form.max_attempts_per_day, "pass_score": form.pass_score,
        "review_policy": form.review_policy, "multiple_choice_scoring": form.multiple_choice_scoring,
        "fixed_questions": form.fixed_questions,
    }


def _check(form: QuizForm, pairs) -> quiz_service.RulesCheck:
    """Check the rules against the bank and put each problem under its row."""
    check = quiz_service.check_rules([spec for spec, _, _ in pairs])
    for rule_check, (_, field, _) in zip(check.rules, pairs):
        if rule_check.problem:
            add_field_error(field, rule_check.problem)
    return check


def _render(form, quiz, check=None, sample=None, general_errors=(), status=200, pairs=()):
    frozen = quiz is not None and quiz_builder.is_frozen(quiz)
    pinned_ids = []
    try:
        pinned_ids = parse_question_ids(form.fixed_questions.data)
    except ValueError:
        pass
    pinned = {q.id: q for q in db.session.scalars(db.select(Question).where(Question.id.in_(pinned_ids)))} if pinned_ids else {}
    return render_template(
        "trainer/quiz_form.html", form=form, quiz=quiz, frozen=frozen, frozen_fields=FROZEN_SETTINGS,
        check=check, sample=sample, general_errors=list(general_errors),
        pinned=[(qid, pinned.get(qid)) for qid in pinned_ids],
        row_checks={row: rule for rule, (_, _, row) in zip(check.rules if check else [], pairs) if row is not None},
    ), status


def _save(form: QuizForm, quiz: Quiz | None):
    """Validate, check against the bank, preview or save; returns a response."""
    if not form.validate_on_submit():
        errors = ["页面已过期（安全令牌失效），请刷新后重试"] if "csrf_token" in form.errors else []
        return _render(form, quiz, general_errors=errors, status=422)
    settings = _settings(form)
    pairs = _specs_with_fields(form)
    if quiz is not None and quiz_builder.is_frozen(quiz):
        # Frozen inputs are disabled in the page: whatever is posted, they keep their saved values.
        settings, specs = quiz_builder.keep_frozen(quiz, settings, [spec for spec, _, _ in pairs])
        pairs = [(spec, form.fixed_questions, None) for spec in specs]
    specs = [spec for spec, _, _ in pairs]
    rules_changed = quiz is None or specs != quiz_builder.rule_specs_of(quiz)
    if rules_changed or form.check.data:
        check = _check(form, pairs)
        if not check.ok:
            row_problems = {rule.problem for rule in check.rules}
            general = [problem for problem in check.problems if problem not in row_problems]
            return _render(form, quiz, check=check, general_errors=general, status=422, pairs=pairs)
    else:
        # Unchanged rules do not block other edits; the quiz page shows what the bank lacks.
        check = quiz_service.check_rules(specs)
    if form.check.data:
        sample = quiz_builder.sample_draw(specs, random.Random(), shuffle=settings.shuffle_questions)
        return _render(form, quiz, check=check, sample=sample, pairs=pairs)
    try:
        with atomic():
            if quiz is None:
                quiz = quiz_service.create_quiz(settings, specs, current_user, now_utc(), is_published=False)
                quiz_display.set_display_mode(quiz, form.display_mode.data, current_user, now_utc())
                campaigns.assign_quiz_id(form.campaign_id.data, quiz, current_user, now_utc())
                message = "已保存测验（未发布）。检查无误后请点击“发布”。"
            else:
                changes = quiz_builder.update_quiz(quiz, settings, specs, current_user, now_utc())
                if quiz_display.set_display_mode(quiz, form.display_mode.data, current_user, now_utc()):
                    changes = changes or {"display_mode": True}
                if campaigns.assign_quiz_id(form.campaign_id.data, quiz, current_user, now_utc()):
                    changes = changes or {"campaign_id": True}
                message = "已保存修改" if changes else "没有需要保存的修改"
    except DomainError as error:
        general: list[str] = []
        fields = _field_map(form)
        if error.extra.get("field") in fields:
            show_domain_error(form, error, fields, form.title)
        else:
            general.append(error.message)
        return _render(form, quiz, check=check, general_errors=general, status=422, pairs=pairs)
    flash(message, "success")
    return redirect(url_for("trainer.quiz_detail", quiz_id=quiz.id))


@bp.get("/quizzes")
@roles_required(*STAFF_ROLES)
def quizzes():
    return render_template("trainer/quizzes.html", rows=quiz_builder.quiz_list(), action_form=ActionForm(),
                           now=now_utc())


@bp.route("/quizzes/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def quiz_new():
    form = _new_form()
    if request.method == "GET":
        return _render(form, None)
    return _save(form, None)


@bp.route("/quizzes/<int:quiz_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def quiz_edit(quiz_id: int):
    quiz = _get_quiz(quiz_id)
    form = _new_form(quiz)
    if request.method == "GET":
        pairs = _specs_with_fields(form)
        return _render(form, quiz, check=quiz_service.check_rules([spec for spec, _, _ in pairs]), pairs=pairs)
    return _save(form, quiz)


@bp.get("/quizzes/<int:quiz_id>")
@roles_required(*STAFF_ROLES)
def quiz_detail(quiz_id: int):
    """A quiz's settings, its rules against the bank now, and what can be done with it."""
    quiz = _get_quiz(quiz_id)
    specs = quiz_builder.rule_specs_of(quiz)
    versions = db.session.scalars(db.select(Quiz).where(Quiz.previous_version_id == quiz.id)).all()
    return render_template(
        "trainer/quiz_detail.html",
        quiz=quiz,
        check=quiz_service.check_rules(specs),
        attempt_count=quiz_builder.attempt_count(quiz),
        previous=db.session.get(Quiz, quiz.previous_version_id) if quiz.previous_version_id else None,
        versions=versions,
        action_form=ActionForm(),
    )


@bp.get("/quizzes/<int:quiz_id>/sample")
@roles_required(*STAFF_ROLES)
def quiz_sample(quiz_id: int):
    """One sample draw of the saved rules (nothing is saved)."""
    quiz = _get_quiz(quiz_id)
    try:
        sample = quiz_builder.sample_draw(quiz_builder.rule_specs_of(quiz), random.Random(),
                                          shuffle=quiz.shuffle_questions)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("trainer.quiz_detail", quiz_id=quiz.id))
    return render_template("trainer/quiz_sample.html", quiz=quiz, sample=sample)


@bp.get("/quizzes/rule-check")
@roles_required(*STAFF_ROLES)
def quiz_rule_check():
    """Live totals for the builder page: questions, score and availability per rule."""
    form = QuizForm(formdata=request.args, meta={"csrf": False})
    _prepare(form)
    pairs = _specs_with_fields(form)
    problems = []
    try:
        parse_question_ids(form.fixed_questions.data)
    except ValueError as error:
        problems.append(str(error))
    check = quiz_service.check_rules([spec for spec, _, _ in pairs])
    return jsonify({
        "question_count": check.question_count,
        "max_score": check.max_score,
        "ok": check.ok and not problems,
        "problems": problems + check.problems,
        "rules": [
            {"number": rule.number, "fixed": rule.spec.question_id is not None, "available": rule.available,
             "needed": rule.spec.count, "problem": rule.problem}
            for rule in check.rules
        ],
    })


def _quiz_action(quiz_id: int, action, success: str):
    form = ActionForm()
    quiz = _get_quiz(quiz_id)
    if not form.validate_on_submit():
        flash("页面已过期，请重试。", "warning")
        return redirect(url_for("trainer.quiz_detail", quiz_id=quiz_id))
    try:
        with atomic():
            result = action(quiz)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("trainer.quiz_detail", quiz_id=quiz_id))
    flash(success, "success")
    target = result if isinstance(result, Quiz) else quiz
    return redirect(url_for("trainer.quiz_edit" if result is not None else "trainer.quiz_detail", quiz_id=target.id))


@bp.post("/quizzes/<int:quiz_id>/publish")
@roles_required(*STAFF_ROLES)
def quiz_publish(quiz_id: int):
    return _quiz_action(quiz_id, lambda quiz: quiz_builder.publish_quiz(quiz, current_user, now_utc()),
                        "已发布，职工现在可以在首页看到该测验。")


@bp.post("/quizzes/<int:quiz_id>/unpublish")
@roles_required(*STAFF_ROLES)
def quiz_unpublish(quiz_id: int):
    return _quiz_action(quiz_id, lambda quiz: quiz_builder.unpublish_quiz(quiz, current_user, now_utc()),
                        "已取消发布：职工不再能看到和开始该测验，正在进行的答题仍可提交。")


@bp.post("/quizzes/<int:quiz_id>/new-version")
@roles_required(*STAFF_ROLES)
def quiz_new_version(quiz_id: int):
    return _quiz_action(quiz_id, lambda quiz: quiz_builder.create_new_version(quiz, current_user, now_utc()),
                        "已创建新版本（未发布），可以修改抽题规则和计分设置。原版本不受影响。")
