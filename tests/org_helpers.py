"""A hand-built three-level unit tree with a manager at every level, shared by the managers' tests."""

from __future__ import annotations

from dataclasses import dataclass

from quiz.extensions import db
from quiz.models import Unit, User


@dataclass
class OrgTree:
    district: Unit      # 区
    bureau: Unit        # 局 (under the district)
    section: Unit       # 科室 (under the bureau)
    team: Unit          # 班组 (under the section)
    sibling: Unit       # another 局 under the district
    district_manager: User
    bureau_manager: User
    sibling_manager: User
    section_worker: User
    team_worker: User
    sibling_worker: User


def build_org_tree(build) -> OrgTree:
    district = build.unit("文旅区", kind="区")
    bureau = build.unit("文旅局", kind="局")
    section = build.unit("图书馆", kind="局属单位")
    team = build.unit("借阅班组", kind="班组")
    sibling = build.unit("应急局", kind="局")
    bureau.parent_id, sibling.parent_id = district.id, district.id
    section.parent_id, team.parent_id = bureau.id, section.id
    db.session.commit()
    tree = OrgTree(
        district, bureau, section, team, sibling,
        district_manager=build.user("qu_manager", role="manager", unit=district, display_name="区管理员"),
        bureau_manager=build.user("ju_manager", role="manager", unit=bureau, display_name="局管理员"),
        sibling_manager=build.user("yj_manager", role="manager", unit=sibling, display_name="应急管理员"),
        section_worker=build.user("tsg_worker", unit=section, display_name="图书馆职工"),
        team_worker=build.user("banzu_worker", unit=team, display_name="班组职工"),
        sibling_worker=build.user("yj_worker", unit=sibling, display_name="应急职工"),
    )
    tree.team_worker.phone = "13800001111"
    db.session.commit()
    return tree
