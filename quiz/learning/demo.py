"""The demo course: an article, an accident case and a 4-second video (a file the project ships,
made once with ffmpeg: no ffmpeg is needed at run time), gated by the fire-safety quiz."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..models import Course, Quiz, User
from . import files, services
from .services import CourseFields, ItemFields

DEMO_VIDEO = Path(__file__).resolve().parent / "demo_files" / "evacuation-drill.mp4"

ARTICLE = """## 火灾发生时怎么办

1. **报警**：拨打 119，讲清地址、起火部位、燃烧物和有无人员被困。
2. **初起火灾**：会用灭火器的，拔掉保险销、握住喷管、对准火焰根部压下压把。
3. **疏散**：按疏散指示标志走安全出口，**不乘电梯**，浓烟中用湿毛巾捂住口鼻、低姿前进。

> 公众聚集场所（博物馆、图书馆、剧场、景区）每半年至少组织一次消防安全培训和疏散演练。

| 灭火器 | 适用 |
|---|---|
| ABC 干粉 | 固体、液体、气体、带电设备初起火灾 |
| 二氧化碳 | 精密仪器、档案资料 |
"""


def seed_demo_course(trainer: User, quiz: Quiz, now: datetime) -> Course:
    """One published course for everyone: article, accident case, short video, then the quiz."""
    course = services.create_course(CourseFields(
        "消防安全微课堂：初起火灾处置与疏散", "消防安全", 0.5,
        "学完图文、事故案例和疏散演练视频，并通过“消防安全专项测验”，记 0.5 学时。", quiz.id), trainer, now)
    services.add_item(course, ItemFields("article", "火灾发生时怎么办", body=ARTICLE, required_seconds=60),
                      None, trainer, now)
    services.add_item(course, ItemFields(
        "case", "典型事故案例：某商场火灾",
        case_events="某商场二层仓库电气线路短路起火，值班人员未及时报警，自行扑救无效后火势蔓延，造成人员伤亡。",
        case_causes="- 电气线路私拉乱接、长期超负荷\n- 安全出口被货物堵塞\n- 员工未经消防安全培训，不会报警和组织疏散",
        case_lessons="定期检查电气线路；保持疏散通道畅通；每名员工都要会报警、会扑救初起火灾、会组织疏散逃生。",
        case_rules="《中华人民共和国消防法》第十六条、第二十八条；《机关、团体、企业、事业单位消防安全管理规定》第三十六条",
        required_seconds=60), None, trainer, now)
    with DEMO_VIDEO.open("rb") as stream:
        video = files.store_upload(course, "video", stream, "疏散演练.mp4", trainer, now)
    services.add_item(course, ItemFields("video", "疏散演练（示例视频）"), video, trainer, now)
    services.set_published(course, True, trainer, now)
    return course
