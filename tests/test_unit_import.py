"""Tree import (.xlsx/.csv): upload -> preview -> confirm, all or nothing; the CLI does the same."""

from __future__ import annotations

import io
import re

from helpers import xlsx_file
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from quiz.extensions import db
from quiz.models import PendingImport, Unit
from quiz.org.tree import load_tree
from quiz.org import units as unit_rules
from quiz.services.clock import now_utc

HEADER = ["单位", "上级单位", "类型", "编制人数"]
#: children before their parents; 区文旅局 hangs under an existing unit
ROWS = [["借阅部", "区图书馆", "科室", 12], ["区图书馆", "区文旅局", "局属单位", 35], ["区文旅局", "区安委会", "局", 20]]


def upload(client, filename: str, data: bytes):
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=filename)})
    return client.post("/admin/units/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def token_of(response) -> str:
    assert response.status_code == 302, response.data.decode()[:3000]
    return re.fullmatch(r"/admin/units/import/([\w-]{20,})", response.headers["Location"]).group(1)


def csv_file(rows) -> bytes:
    return ("\ufeff" + "\n".join(",".join(str(cell) for cell in row) for row in rows)).encode()


def unit_names() -> set[str]:
    return set(db.session.scalars(db.select(Unit.name)))


def test_xlsx_preview_changes_nothing_then_confirm_builds_the_tree(client, admin, build):
    build.unit("区安委会", "区")
    before = unit_names()
    page = client.get("/admin/units/import").data.decode()
    assert "科室、局属单位、场馆、景区" in page and 'data-busy="正在读取和检查文件' in page  # the kinds offered
    token = token_of(upload(client, "树.xlsx", xlsx_file([HEADER, *ROWS])))
    preview = client.get(f"/admin/units/import/{token}").data.decode()
    assert "新增 3" in preview and "确认导入" in preview
    assert unit_names() == before  # the preview wrote nothing
    done = client.post(f"/admin/units/import/{token}/confirm", follow_redirects=True).data.decode()
    assert "导入完成：新增 3 个单位" in done
    tree = load_tree()
    desk = unit_rules.get_unit_by_name("借阅部")
    assert tree.path(desk.id) == "区安委会 / 区文旅局 / 区图书馆 / 借阅部" and desk.headcount == 12
    assert db.session.scalar(db.select(db.func.count(PendingImport.id))) == 0


def test_csv_with_other_header_spellings_updates_and_moves(client, admin, build):
    district = build.unit("区安委会", "区")
    other = build.unit("区应急管理局", "局")
    library = unit_rules.create_unit("区图书馆", "科室", 3, district)
    db.session.commit()
    rows = [["单位名称", "上级", "类别", "编制"], ["区图书馆", "区应急管理局", "局属单位", "40"], ["区应急管理局", "", "", ""]]
    token = token_of(upload(client, "units.csv", csv_file(rows)))
    preview = client.get(f"/admin/units/import/{token}").data.decode()
    assert "修改并移动" in preview and "区安委会</span> → 区应急管理局" in preview
    client.post(f"/admin/units/import/{token}/confirm")
    db.session.expire_all()
    library = db.session.get(Unit, library.id)
    assert (library.parent_id, library.kind, library.headcount) == (other.id, "局属单位", 40)
    assert db.session.get(Unit, other.id).parent_id is None  # an empty 上级单位 keeps an existing unit where it is


def test_row_errors_in_chinese_and_nothing_imported(client, admin, build):
    build.unit("区安委会", "区")
    unit_rules.retire_unit(build.unit("旧单位"), None, now_utc())
    db.session.commit()
    rows = [HEADER, ["甲", "乙", "科室", ""], ["乙", "甲", "科室", ""], ["丙", "不存在的局", "", ""],
            ["丁", "区安委会", "", "很多"], ["戊", "区安委会", "", ""], ["戊", "", "", ""], ["己", "旧单位", "", ""]]
    before = unit_names()
    token = token_of(upload(client, "bad.xlsx", xlsx_file(rows)))
    html = client.get(f"/admin/units/import/{token}").data.decode()
    for message in ("上级关系形成循环", "既不在文件中，也不是已有单位", "编制人数“很多”应为", "与第6行的单位重名", "已停用"):
        assert message in html, message
    assert "确认导入" not in html
    refused = client.post(f"/admin/units/import/{token}/confirm", follow_redirects=True).data.decode()
    assert "未导入任何单位" in refused and unit_names() == before


def test_confirm_is_all_or_nothing_when_the_tree_changed_meanwhile(client, admin, build):
    build.unit("区安委会", "区")
    token = token_of(upload(client, "树.xlsx", xlsx_file([HEADER, *ROWS])))
    unit_rules.retire_unit(unit_rules.get_unit_by_name("区安委会"), None, now_utc())
    db.session.commit()
    before = unit_names()
    refused = client.post(f"/admin/units/import/{token}/confirm", follow_redirects=True).data.decode()
    assert "已停用" in refused and "未导入任何单位" in refused
    assert unit_names() == before


def test_bad_files_are_refused_in_chinese(client, admin):
    cases = [("wrong.xlsx", xlsx_file([["名字", "电话"], ["张三", "1"]]), "缺少必填列“单位”"),
             ("empty.csv", b"", "文件是空的"),
             ("header-only.csv", csv_file([HEADER]), "没有数据行"),
             ("fake.xlsx", b"this is not a workbook at all", "仅支持 .xlsx 或 .csv"),
             ("units.txt", b"a,b", "仅支持 .xlsx 或 .csv")]
    for filename, data, message in cases:
        response = upload(client, filename, data)
        assert response.status_code == 422 and message in response.data.decode(), filename
    assert db.session.scalar(db.select(db.func.count(PendingImport.id))) == 0


def test_template_downloads_and_imports_cleanly(client, admin):
    template = client.get("/admin/units/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    token = token_of(upload(client, "单位导入模板.xlsx", template.data))
    assert "新增 5" in client.get(f"/admin/units/import/{token}").data.decode()


def test_user_import_refuses_a_retired_unit(client, admin, build):
    unit_rules.retire_unit(build.unit("旧单位"), None, now_utc())
    db.session.commit()
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(xlsx_file(
        [["用户名", "姓名", "单位"], ["newbie", "新人", "旧单位"]])), filename="users.xlsx")})
    response = client.post("/admin/users/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    html = client.get(response.headers["Location"]).data.decode()
    assert "单位“旧单位”已停用" in html and "确认导入" not in html


def test_cli_dry_run_then_import(runner, build, tmp_path):
    build.unit("区安委会", "区")
    path = tmp_path / "tree.csv"
    path.write_bytes(csv_file([HEADER, *ROWS]))
    dry = runner.invoke(args=["import-units", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "检查通过（未写入）：新增 3" in dry.output
    db.session.expire_all()
    assert "借阅部" not in unit_names()
    done = runner.invoke(args=["import-units", str(path)])
    assert done.exit_code == 0 and "导入完成：新增 3" in done.output
    db.session.expire_all()
    assert {"借阅部", "区图书馆", "区文旅局"} <= unit_names()
    bad = tmp_path / "cycle.csv"
    bad.write_bytes(csv_file([HEADER, ["甲", "乙", "", ""], ["乙", "甲", "", ""]]))
    refused = runner.invoke(args=["import-units", str(bad)])
    assert refused.exit_code != 0 and "循环" in refused.output and "未导入任何单位" in refused.output
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    assert runner.invoke(args=["import-units", str(junk)]).exit_code != 0
