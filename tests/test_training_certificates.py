"""Certificates (PDF, HMAC verification code, public /verify page) and QR codes."""

from __future__ import annotations

import random
import shutil
import subprocess

import pytest

from quiz.extensions import db
from quiz.models import Certificate
from quiz.services import attempts
from quiz.training import certificates, levels, qrcodes
from quiz.services.quizzes import RuleSpec

from helpers import T0, minutes

SECRET = b"test-secret"


def passed_attempt(build, user, *, right=3, title="“测测你的安全力”安全知识竞赛"):
    build.questions(3, type="single")
    quiz = build.quiz([RuleSpec(count=3, type="single", points=10)], title=title, pass_score=20, max_attempts=None)
    attempt, _ = attempts.start_attempt(user, quiz, T0, random.Random(0))
    db.session.commit()
    for item in attempt.questions[:right]:
        attempts.save_answer(attempt.id, user.id, item.question_id, [item.option_order.index(c) for c in item.correct], T0)
    attempts.submit_attempt(attempt, T0 + minutes(3))
    db.session.commit()
    return quiz, attempt


@pytest.fixture
def employee(build):
    return build.user("zhangsan", display_name="张三", unit=build.unit("区图书馆"))


def test_passed_contest_gives_a_pdf_that_verifies(build, client, web_login, employee):
    quiz, attempt = passed_attempt(build, employee)
    web_login(employee)
    result = client.get(f"/attempts/{attempt.id}/result").data.decode()
    assert f'href="/training/certificates/attempts/{attempt.id}.pdf"' in result
    response = client.get(f"/training/certificates/attempts/{attempt.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and b"STSong-Light" in response.data
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    cert = db.session.scalar(db.select(Certificate))
    assert (cert.display_name, cert.unit_name, cert.quiz_title, cert.score, cert.max_score) == (
        "张三", "区图书馆", quiz.title, 30, 30)
    assert cert.code == certificates.compute_code(cert, SECRET)
    assert cert.code.encode() in response.data
    # downloading again gives the same certificate
    client.get(f"/training/certificates/attempts/{attempt.id}.pdf")
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 1
    assert cert.code in client.get("/training/certificates").data.decode()

    client.post("/logout")  # the verify page is public
    page = client.get(f"/verify/{cert.code}")
    assert page.status_code == 200
    body = page.data.decode()
    assert 'data-valid="true"' in body and "张三" in body and "区图书馆" in body and "30 / 30" in body
    # typed in lower case, without dashes, with spaces: still the same code
    sloppy = " " + cert.code.replace("-", "").lower() + " "
    assert client.get(f"/verify/{sloppy}").status_code == 200
    assert client.get(f"/verify?code={cert.code}").headers["Location"].endswith(f"/verify/{cert.code}")


def test_forged_and_altered_codes_are_refused(build, client, employee):
    quiz, attempt = passed_attempt(build, employee)
    cert = certificates.issue_certificate(attempt, employee, T0 + minutes(5), SECRET)
    db.session.commit()
    assert certificates.verify_code(cert.code, SECRET).id == cert.id

    # a code of the right shape that was never issued
    forged = "ABCD-EFGH-IJKL-MNOP"
    assert certificates.verify_code(forged, SECRET) is None
    refused = client.get(f"/verify/{forged}")
    assert refused.status_code == 404 and 'data-valid="false"' in refused.data.decode()
    # one character changed
    flipped = cert.code[:-1] + ("A" if cert.code[-1] != "A" else "B")
    assert certificates.verify_code(flipped, SECRET) is None
    assert client.get(f"/verify/{flipped}").status_code == 404
    # garbage
    assert certificates.verify_code("<script>", SECRET) is None
    assert client.get("/verify/%3Cscript%3E").status_code == 404
    # the code made with another key does not verify
    assert certificates.verify_code(cert.code, b"another-secret") is None

    # a row altered in the database (a better score) no longer matches its code
    cert.score = 100
    db.session.commit()
    assert certificates.verify_code(cert.code, SECRET) is None
    assert client.get(f"/verify/{cert.code}").status_code == 404
    cert.score = 30
    db.session.commit()
    assert client.get(f"/verify/{cert.code}").status_code == 200
    # another certificate's genuine code moved onto this row does not verify either
    other_user = build.user()
    _other_quiz, other_attempt = passed_attempt(build, other_user)
    other = certificates.issue_certificate(other_attempt, other_user, T0 + minutes(6), SECRET)
    db.session.commit()
    borrowed = other.code
    other.code = "AAAA-AAAA-AAAA-AAAA"
    db.session.flush()
    cert.code = borrowed
    db.session.commit()
    assert certificates.verify_code(borrowed, SECRET) is None

def test_no_certificate_without_a_passed_contest(build, client, web_login, employee):
    quiz, failed = passed_attempt(build, employee, right=1)
    assert failed.passed is False
    web_login(employee)
    response = client.get(f"/training/certificates/attempts/{failed.id}.pdf")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attempts/{failed.id}/result")
    assert "下载合格证书" not in client.get(f"/attempts/{failed.id}/result").data.decode()
    # someone else's passed attempt does not exist for this user
    _quiz, others = passed_attempt(build, build.user())
    assert client.get(f"/training/certificates/attempts/{others.id}.pdf").status_code == 404
    # a passed level is not a contest
    trainer = build.user(role="trainer")
    series = levels.create_series("闯关", "", trainer)
    level = levels.add_level(series, now=T0, title="第一关", rules=[RuleSpec(count=1, type="single")], pass_percent=10,
                             time_limit_seconds=None, created_by=trainer)
    levels.set_series_published(series, True)
    db.session.commit()
    level_attempt, _ = attempts.start_attempt(employee, level, T0)
    item = level_attempt.questions[0]
    db.session.commit()
    attempts.save_answer(level_attempt.id, employee.id, item.question_id,
                         [item.option_order.index(c) for c in item.correct], T0)
    attempts.submit_attempt(level_attempt, T0 + minutes(1))
    db.session.commit()
    assert level_attempt.passed
    assert client.get(f"/training/certificates/attempts/{level_attempt.id}.pdf").status_code == 302
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) not installed")
def test_pdf_renders_with_poppler(build, employee, tmp_path):
    quiz, attempt = passed_attempt(build, employee)
    cert = certificates.issue_certificate(attempt, employee, T0 + minutes(5), SECRET)
    pdf = certificates.render_certificate_pdf(cert, verify_url=f"http://localhost/verify/{cert.code}",
                                              issuer="区文化和旅游局", campaign="安全生产月 · 安全知识竞赛")
    (tmp_path / "cert.pdf").write_bytes(pdf)
    run = subprocess.run(["pdftoppm", "-png", "-r", "40", str(tmp_path / "cert.pdf"), str(tmp_path / "page")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "page-1.png").stat().st_size > 5000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "cert.pdf"), "-"], capture_output=True, text=True).stdout
        assert "张三" in text and "合格证书" in text and cert.code in text


def test_qr_codes_open_the_quiz_and_the_series(build, client, web_login):
    build.questions(2)
    quiz = build.quiz([RuleSpec(count=1, type="single")])
    trainer = build.user(role="trainer")
    series = levels.create_series("闯关", "", trainer)
    levels.add_level(series, now=T0, title="第一关", rules=[RuleSpec(count=1, type="single")], pass_percent=60,
                     time_limit_seconds=None, created_by=trainer)
    levels.set_series_published(series, True)
    db.session.commit()
    web_login(trainer)
    svg = client.get(f"/training/qr/quizzes/{quiz.id}.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.data.decode() == qrcodes.qr_svg(f"http://localhost/quizzes/{quiz.id}")
    series_svg = client.get(f"/training/qr/levels/{series.id}.svg")
    assert series_svg.data.decode() == qrcodes.qr_svg(f"http://localhost/training/levels/{series.id}")
    assert "<svg" in series_svg.data.decode() and " style=" not in series_svg.data.decode()
    posters = client.get("/training/posters").data.decode()
    assert f'src="/training/qr/quizzes/{quiz.id}.svg"' in posters
    assert f'src="/training/qr/levels/{series.id}.svg"' in posters
    assert f"http://localhost/training/levels/{series.id}" in posters
