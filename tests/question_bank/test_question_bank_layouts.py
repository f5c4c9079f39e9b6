"""Layouts of real question files found in public repositories, rebuilt with our own questions.

Each test builds a file with the LAYOUT of one public file (its header row, title rows,
sheets, packed options, type codes, 判断 letters, encoding, format) but with safety questions
written for these tests; nothing of the public files' contents is copied.  The docstring of
each test names the public file (repository and path) it stands for.  The table of all files
tried, and how they fared before and after, is in the closing notes of the import work.
"""

from __future__ import annotations

import pytest

from question_bank import ColumnMapping, MappingNeeded, parse_question_file

FIRE = "发现初起火灾，首先应当（ ）。"
FIRE_OPTIONS = ["大声呼救并报警", "先拍照留存", "围观等待", "返回取物"]


def types_of(result):
    return [record.type for record in result.records]


def test_xuexitong_export_with_five_option_columns(xlsx_bytes):
    """faithleysath/xxt-questions: 题库.xlsx (学习通 export: 题型 题干 选项A-E 答案, 单选题/多选题)."""
    rows = [
        ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "答案"],
        ["单选题", "景区游客疏散时，引导员应当站在(\xa0\xa0 )。", "出口和转角处", "售票处", "停车场", "办公室", None, "A"],
        ["多选题", "大型活动的安全保障包括(\xa0\xa0 )。", "应急预案", "限流措施", "疏散通道", "医疗保障", "取消安保", "ABCD"],
    ]
    result = parse_question_file("题库.xlsx", xlsx_bytes(rows))
    assert result.ok and types_of(result) == ["single", "multiple"]
    assert result.records[1].correct == (0, 1, 2, 3)


def test_true_false_as_options_and_letters(xlsx_bytes):
    """ajiuo00/shuati: 题库.xlsx (类型 题目 选项A-E 答案; 判断 rows with options 正确/错误 answered A/B)."""
    rows = [
        ["类型", "题目", "选项A", "选项B", "选项C", "选项D", "选项E", "答案"],
        ["判断", "电气设备着火时可以直接用水扑救。", "正确", "错误", None, None, None, "B"],
        ["判断", "安全出口应保持畅通。", "正确", "错误", None, None, None, "A"],
        ["单选", "灭火器压力表指针在哪个区域表示正常？", "红色区", "绿色区", "黄色区", "白色区", None, "B"],
    ]
    result = parse_question_file("题库.xlsx", xlsx_bytes(rows))
    assert result.ok
    assert [(r.type, r.options, r.correct) for r in result.records[:2]] == [
        ("true_false", ("正确", "错误"), (1,)),
        ("true_false", ("正确", "错误"), (0,)),
    ]


def test_numbered_sheet_plus_a_sheet_written_as_text(xlsx_sheets):
    """chinadieman-lgtm/nuantonglilun: 题库.xlsx (Sheet1: 编号 类型 题目 选项A-E 正确答案 解析;
    Sheet2: no header, "一、单选题" title rows, "1、题干()" with the answer in the next cell and
    "(A)x  (B)y" options on the row below)."""
    sheet1 = [
        ["编号", "类型", "题目", "选项A", "选项B", "选项C", "选项D", "选项E", "正确答案", "解析"],
        [1, "单选题", "手提式干粉灭火器使用时应对准？", "火焰根部", "火焰上部", "烟雾", "人群", None, "A", "对准根部才能灭火"],
        [2, "判断题", "逃生时可以乘坐电梯。", "正确", "错误", None, None, None, "B", "火灾时电梯可能断电"],
    ]
    sheet2 = [
        [None, None],
        [None, "高级", "答案"],
        [None, "一、单选题"],
        [None, "1、高处作业的安全带应当（）使用。", "B"],
        [None, "(A)低挂高用  (B)高挂低用  (C)随意悬挂  (D)不用"],
        [None, "二、判断题"],
        [None, "2、发现燃气泄漏应立即开灯检查。", "×"],
    ]
    result = parse_question_file("题库.xlsx", xlsx_sheets({"Sheet1": sheet1, "Sheet2": sheet2}))
    assert result.ok, result.errors
    assert [(r.sheet, r.type) for r in result.records] == [
        ("Sheet1", "single"), ("Sheet1", "true_false"), ("Sheet2", "single"), ("Sheet2", "true_false"),
    ]
    assert result.records[2].options == ("低挂高用", "高挂低用", "随意悬挂", "不用")
    assert result.records[2].correct == (1,)


def test_letter_option_headers_answer_note_and_a_list_sheet(xlsx_sheets):
    """ding1036/questionbank: 题库.xlsx (题干 A选项 B选项 C选项 D选项 正确答案(只能输入ABCD否则报错)
    类型 可以自作修改; a second sheet "类型一栏" listing 单选/多选/判断; an empty Sheet3)."""
    main = [
        ["题干", "A选项", "B选项", "C选项", "D选项", "正确答案(只能输入ABCD否则报错)", "类型", "可以自作修改"],
        ["安全帽的主要作用是？", "防止物体打击头部", "装饰", "遮阳", "保暖", "A", "单选", None],
        ["下列属于个人防护用品的有？", "安全帽", "防护眼镜", "手机", "绝缘手套", "ABD", "多选", "备注"],
    ]
    lists = [["单选"], ["多选"], ["判断"]]
    result = parse_question_file("题库.xlsx", xlsx_sheets({"题库": main, "类型一栏": lists, "Sheet3": []}))
    assert result.ok and types_of(result) == ["single", "multiple"]
    assert result.unknown_columns == ["可以自作修改"]


def test_stems_and_answers_without_options_are_skipped_not_errors(xlsx_bytes):
    """Lliad/JSSTATEGRID_datiqi: 题库.xlsx (8,500 rows of just 题干 and 答案 letters: the options
    are not in the file, so nothing can be imported; every row is a counted skip)."""
    rows = [["题干", "答案"]] + [[f"测量绝缘电阻应使用哪种仪表？（第{n}题）", "A"] for n in range(1, 8)]
    result = parse_question_file("题库.xlsx", xlsx_bytes(rows))
    assert result.ok and result.records == []
    assert [(item.row, item.type) for item in result.skipped_unsupported] == [(n, "无选项") for n in range(2, 9)]
    assert result.warnings[0].message.startswith("跳过 7 道平台不支持的题（无选项 7）：第2、3、4")


def test_legacy_xls_with_one_sheet_per_course(xls_bytes):
    """Fanyu-Na/TK: 题库.xls (BIFF8; one sheet per course, each ID 题目 A B C D 答案; IDs stored
    as numbers; type only from the answer: "BC" is 多选)."""
    header = ["ID", "题目", "A", "B", "C", "D", "答案"]
    sheets = {
        "消防基础": [header, [1.0, "常用的火警电话是（选一项）", "110", "119", "120", "122", "B"]],
        "用电安全": [header, [1.0, "下列做法正确的有（选二项）", "湿手摸开关", "用电前检查电线", "私拉电线", "离开时断电", "BD"]],
    }
    result = parse_question_file("题库.xls", xls_bytes(sheets))
    assert result.ok
    assert [(r.sheet, r.type, r.correct) for r in result.records] == [
        ("消防基础", "single", (1,)), ("用电安全", "multiple", (1, 3)),
    ]


def test_xls_with_item_headers_chapter_and_unsupported_fill_in_rows(xls_bytes):
    """CambridgeZ/PracticeProblemsProgram: 题库.xls (目录 题号 章节 题干 A项 B项 C项 D项目 答案 类型;
    判断题 with 正确/错误 as A/B, 多选题, and 填空题/简答题 rows the platform cannot hold)."""
    rows = [
        ["目录", "题号", "章节", "题干", "A项", "B项", "C项", "D项目", "答案", "类型"],
        [1.0, 1.0, 3.0, "消防通道可以临时停放车辆。", "正确", "错误", None, None, "B", "判断题"],
        [1.0, 2.0, 3.0, "（）是扑救电器火灾的正确工具。", "二氧化碳灭火器", None, None, None, "A", "填空题"],
        [1.0, 3.0, 3.0, "下列属于火灾报警方式的有（）", "拨打119", "按下手动报警按钮", "大声呼喊", "沉默离开", "ABC", "多选题"],
        [1.0, 4.0, 4.0, "简述灭火的基本方法。", None, None, None, None, None, "简答题"],
    ]
    result = parse_question_file("题库.xls", xls_bytes({"Sheet1": rows}))
    assert result.ok
    assert types_of(result) == ["true_false", "multiple"]
    assert result.records[0].category == "3"
    assert [(item.row, item.type) for item in result.skipped_unsupported] == [(3, "填空题"), (5, "简答题")]


def test_true_false_options_in_later_columns_answered_by_letter(xls_bytes):
    """CambridgeZ/PracticeProblemsProgram: 错题记录1.xls (选择A-选择D; a 判断题 whose 正确/错误 sit
    in columns C and D with blanks in A and B, answered "C")."""
    rows = [
        ["目录", "题号", "章节", "题干", "选择A", "选择B", "选择C", "选择D", "答案", "题型"],
        [1.0, 7.0, 1.0, "进入有限空间前应先检测气体。", " ", " ", "正确", "错误", "C", "判断题"],
        [1.0, 8.0, 1.0, "有限空间作业应当？", "先通风再检测后作业", "直接进入", "单人作业", "不设监护", "A", "单选题"],
    ]
    result = parse_question_file("错题记录1.xls", xls_bytes({"Sheet1": rows}))
    assert result.ok
    assert [(r.type, r.correct) for r in result.records] == [("true_false", (0,)), ("single", (0,))]


def test_question_and_answer_sheet_is_skipped_as_unsupported(xls_bytes):
    """xiewangdong/ChouTi: 题库.xls (题目 答案 where answers are words: no options, no type)."""
    rows = [["题目", "答案"], ["火警电话是多少？", "一一九"], ["急救电话是多少？", "一二零"]]
    result = parse_question_file("题库.xls", xls_bytes({"Sheet1": rows}))
    assert result.records == [] and result.ok
    assert [item.type for item in result.skipped_unsupported] == ["无选项", "无选项"]


def test_other_system_template_with_bare_letters_and_difficulty_words(xlsx_bytes):
    """FYHC1/online-exam-system: 试题导入模板.xlsx (题型 问题内容 难度 正确选项 A-H; 难度 简单/中等/困难;
    判断题 with options 正确/错误 answered B; 填空题/简答题 rows)."""
    rows = [
        ["题型", "问题内容", "难度", "正确选项", "A", "B", "C", "D", "E", "F", "G", "H"],
        ["单选题", "氧气瓶与乙炔瓶的间距不应小于多少米？", "简单", "B", "\xa03米", "5米", "1米", "0.5米"],
        ["判断题", "动火作业前应办理动火审批。", "困难", "A", "正确", "错误"],
        ["多选题", "动火作业现场应配备？", "中等", "AC", "灭火器", "易燃物", "监护人", "无关人员"],
        ["填空题", "动火作业应距离易燃物至少（）米。", "中等", None, "10"],
    ]
    result = parse_question_file("试题导入模板.xlsx", xlsx_bytes(rows))
    assert result.ok
    assert [(r.type, r.difficulty) for r in result.records] == [("single", 1), ("true_false", 3), ("multiple", 2)]
    assert result.records[0].options[0] == "3米"
    assert [item.type for item in result.skipped_unsupported] == ["填空题"]


def test_one_option_per_row_template_asks_for_a_mapping(xlsx_bytes):
    """yyy188-del/exam-online: 试题导入模板.xlsx (a title row "试题", then 题目序号 题目类型 题目内容 整体解析 …
    是否正确项 选项内容 …, one option per row).  Not supported: the message says what was found."""
    rows = [
        ["试题"],
        ["题目序号", "题目类型", "题目内容", "整体解析", "题目图片", "所属题库", "是否正确项", "选项内容"],
        [1, 1, "景区最大承载量由谁核定？", "依据规定核定", None, "景区安全", 0, "游客自定"],
        [1, None, None, None, None, None, 1, "景区按标准核定"],
    ]
    with pytest.raises(MappingNeeded) as caught:
        parse_question_file("试题导入模板.xlsx", xlsx_bytes(rows))
    layout = caught.value.layout
    assert "找到的表头：题目序号、题目类型、题目内容、整体解析" in caught.value.message
    assert layout.missing_fields == ["答案"]
    assert layout.sections[0].header_row == 2
    assert layout.sections[0].fields[:4] == ["", "题型", "题干", "解析"]


def test_english_headers_json_options_and_numeric_type_codes(xlsx_bytes):
    """1357570890/Henan-Laboratory-Safety-Examination-: tiku.xlsx (questionAnswer questionContent
    optionContent questionExplain questionType; type codes 1/2/3; options as a JSON array;
    判断 answered 1/2)."""
    rows = [
        ["questionAnswer", "questionContent", "optionContent", "questionExplain", "questionType"],
        ["1", "实验室应配备应急喷淋和洗眼装置。", None, "", 1],
        ["B", "实验室最重要的是？", '[{"optionContent":"进度"},{"optionContent":"安全"}]', "", 2],
        ["A,B", "化学品储存应？", '[{"optionContent":"分类存放"},{"optionContent":"标识清楚"},{"optionContent":"混放"}]',
         "", 3],
        ["2", "废液可以直接倒入下水道。", None, "", 1],
    ]
    data = xlsx_bytes(rows)
    first = parse_question_file("tiku.xlsx", data)
    assert first.layout.needs_mapping
    assert first.layout.unknown_type_values == ["1", "2", "3"]
    assert {error.column for error in first.errors} == {"题型"}
    mapping = ColumnMapping.from_json({"type_values": {"1": "判断", "2": "单选", "3": "多选"}})
    result = parse_question_file("tiku.xlsx", data, mapping=mapping)
    assert result.ok, result.errors
    assert [(r.type, r.correct) for r in result.records] == [
        ("true_false", (0,)), ("single", (1,)), ("multiple", (0, 1)), ("true_false", (1,)),
    ]
    assert result.records[1].options == ("进度", "安全")


def test_two_column_csv_of_answers_and_statements(csv_bytes):
    """1357570890/Henan-Laboratory-Safety-Examination-: 题库.txt (a CSV named .txt:
    questionAnswer,questionContent only; 1/2 answers without options or type are skipped)."""
    data = csv_bytes([["questionAnswer", "questionContent"], ["1", "实验结束后应关闭水电。"], ["2", "可在实验室进食。"]])
    result = parse_question_file("题库.txt", data)
    assert result.records == []
    assert len(result.skipped_unsupported) == 2


def test_gb18030_csv_with_type_codes_and_options_inside_the_stem(csv_bytes):
    """ZhuZhiWu-Mr/ExaminationManage: 题库.csv (GB18030 with BOM-less Excel export; 题目 题目类型 答案 分数,
    the options joined to the stem with "&", type code 1).  Needs a mapping and option columns."""
    rows = [["题目", "题目类型", "答案", "分数"], ["消防设施包括()&灭火器&消火栓&窗帘", "1", "灭火器&消火栓", "5"]]
    data = csv_bytes(rows, encoding="gb18030")
    first = parse_question_file("题库.csv", data)
    assert first.layout.unknown_type_values == ["1"]
    with pytest.raises(MappingNeeded) as caught:
        parse_question_file("题库.csv", data, mapping=ColumnMapping(type_values={"1": "multiple"}))
    assert "缺少“选项A”、“选项B”列" in caught.value.message


def test_course_text_with_true_false_labels_and_ticks():
    """TonyYu02/BUAA-Engineering-Ethics: 题库.txt ("第01讲 …" titles, "1. 题干( )", indented
    "   A. …" options, "参考答案：A, B, C", 判断 as "true. 正确 / false. 错误" with ✔/❌, "-----" lines)."""
    text = (
        "第01讲 消防安全概论\n"
        "1. 消防工作的方针是( )\n   A. 预防为主，防消结合\n   B. 先救后防\n   C. 只防不救\n   D. 以上都不对\n"
        "参考答案：A\n----------------------------------------\n\n"
        "2. 属于灭火基本方法的有( )\n   A. 冷却法\n   B. 窒息法\n   C. 隔离法\n   D. 加热法\n"
        "参考答案：A, B, C\n----------------------------------------\n\n"
        "3. 楼梯间可以堆放杂物。( )\n   true. 正确\n   false. 错误\n参考答案：❌\n"
        "----------------------------------------\n"
    )
    result = parse_question_file("题库.txt", text.encode())
    assert result.ok, result.errors
    assert [(r.type, r.correct) for r in result.records] == [("single", (0,)), ("multiple", (0, 1, 2)),
                                                             ("true_false", (1,))]
    assert result.layout.format == "text"


def test_one_line_questions_with_a_custom_separator():
    """EurekaKK/uestc_labsafetest_test: bank.txt ("题目：…^*^答案：正确"; choice answers given as
    "C．text" without their options, which are skipped)."""
    text = (
        "题目：离开实验室前应检查水电门窗。^*^答案：正确\n"
        "题目：实验室可以存放大量气瓶。^*^答案：错误\n"
        "题目：发现燃气泄漏，正确做法是？^*^答案：C．关阀门，开窗通风\n"
    )
    result = parse_question_file("bank.txt", text.encode())
    assert [(r.stem, r.correct) for r in result.records] == [
        ("离开实验室前应检查水电门窗。", (0,)), ("实验室可以存放大量气瓶。", (1,)),
    ]
    assert [item.type for item in result.skipped_unsupported] == ["无选项"]


def test_exam_record_export_with_type_tags_and_my_answer_lines():
    """Moranjianghe/jisuanjiwangluoanquan: 题库.txt (学习通 exam record: title and score lines,
    "一. 单选题（共 200 题，200.0 分）", "1. (单选题, 1.0 分) (1分) 题干", "我的答案:正确答案:A",
    empty "答案解析：" and "知识点：" lines, "0.0分")."""
    text = (
        "2025年安全培训考试\n题量： 3 满分： 3.0\n"
        "一. 单选题（共 2 题，2.0 分）\n"
        "1. (单选题, 1.0 分) (1分) 使用灭火器时应站在火源的哪个方向?\nA. 上风方向\nB. 下风方向\n"
        "我的答案:正确答案:A\n答案解析：\n知识点：\n0.0分\n"
        "2. (多选题, 2.0 分) 火场逃生正确的做法有?\nA. 湿毛巾捂口鼻\nB. 低姿前进\nC. 乘坐电梯\n"
        "我的答案:AB正确答案:AB\n答案解析：烟气向上\n知识点：逃生\n2.0分\n"
    )
    result = parse_question_file("题库.txt", text.encode())
    assert result.ok, result.errors
    assert [(r.type, r.correct, r.points) for r in result.records] == [("single", (0,), 1), ("multiple", (0, 1), 2)]
    assert (result.records[1].explanation, result.records[1].category) == ("烟气向上", "逃生")


def test_scanned_text_with_lost_labels_is_reported_not_guessed():
    """TatsukiMengChen/EduSafeQuizBank: 题库.txt (campus-safety bank recovered by OCR: option labels
    lost, "A 文字" with a space, "正确答案 B").  Nothing is imported silently wrong: without
    recognisable options the question is a counted skip, with its line number."""
    text = "在宿舍使用电器，以下做法正确的是：\nA 使用大功率电器\n离开时断电\n正确答案 B\n"
    result = parse_question_file("题库.txt", text.encode())
    assert result.records == []
    assert [(item.row, item.type) for item in result.skipped_unsupported] == [(1, "无选项")]


def test_word_bank_with_tab_numbers_and_correct_answer_lines(docx_bytes):
    """qzh1991/XuZhouDangJian: 题库.docx ("--- 部分 ---" titles, "单选题" headings, "1<TAB>题干（ ）",
    "A、…" options, "正确答案：D", 判断题 answered 正确/错误)."""
    paragraphs = [
        "--- 安全生产法相关部分 ---", "单选题",
        "1\t生产经营单位的主要负责人对本单位安全生产工作（ ）。", " \t",
        "A、全面负责", "B、部分负责", "C、不负责", "D、协助负责", "正确答案：A", " ",
        "判断题", "2\t从业人员有权拒绝违章指挥。", "正确答案：正确", " ",
    ]
    result = parse_question_file("题库.docx", docx_bytes(paragraphs))
    assert result.ok, result.errors
    assert [(r.type, r.correct) for r in result.records] == [("single", (0,)), ("true_false", (0,))]
    assert result.layout.format == "docx"
