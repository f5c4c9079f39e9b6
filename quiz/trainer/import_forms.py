"""The mapping step of the question import: each header of the file beside a drop-down of
fields, each value of the type column beside 单选/多选/判断/跳过.

The form is built for the file at hand (its headers and type values are the fields), from
the layout ``question_bank`` reported; the choices come back as a ColumnMapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from wtforms import BooleanField, SelectField, SubmitField

from question_bank import FIELD_CHOICES, QUESTION_TYPES, ColumnMapping, match_header, normalize_header
from question_bank.mapping import normalize_value

from ..forms import BaseForm

TYPE_TARGETS = {**QUESTION_TYPES, "skip": "跳过（不导入）"}
_FIELD_LABELS = {choice.key: choice.label for choice in FIELD_CHOICES}


@dataclass(frozen=True)
class MappingColumn:
    """One header of the file: what it is recognised as by itself, and what it is mapped to now."""

    header: str
    #: the field the header means without a mapping ("" = not recognised)
    recognised: str
    #: the field the current mapping gives it ("" = none)
    mapped: str
    #: the first few values of the column in the file, so a trainer can tell what it holds
    samples: tuple[str, ...] = ()

    @property
    def auto_label(self) -> str:
        return f"自动识别：{self.recognised}" if self.recognised else "自动识别：未识别（不导入）"


@dataclass(frozen=True)
class MappingTypeValue:
    """One value found in the type column."""

    value: str
    #: no known spelling and not in the mapping: its rows cannot be read yet
    unknown: bool
    #: the type the current mapping gives it ("" = none)
    mapped: str

    @property
    def auto_label(self) -> str:
        return "请选择题型" if self.unknown else "自动识别（按题型名称）"


@dataclass
class MappingLayout:
    """What the mapping page shows: the distinct headers and type values of every section."""

    columns: list[MappingColumn]
    type_values: list[MappingTypeValue]
    signature: str
    header: list[str]


def mapping_layout(layout: dict, mapping: dict | None) -> MappingLayout:
    """The headers and type values of a payload's layout (FileLayout.to_json()), with the current mapping."""
    current = ColumnMapping.from_json(mapping) if mapping else ColumnMapping()
    columns: list[MappingColumn] = []
    seen: set[str] = set()
    values: list[MappingTypeValue] = []
    seen_values: set[str] = set()
    unknown = {normalize_value(value) for value in layout.get("unknown_type_values", [])}
    for section in layout.get("sections", []):
        if not section.get("header_row"):
            continue  # the question layout of text (no header to map)
        for column in section["columns"]:
            header = column["header"]
            key = normalize_header(header)
            if not key or key in seen:
                continue
            seen.add(key)
            columns.append(MappingColumn(header, match_header(header).field, current.field_for(header) or "",
                                         tuple(column.get("samples", []))))
        for value in section.get("type_values", []):
            key = normalize_value(value)
            if not key or key in seen_values:
                continue
            seen_values.add(key)
            values.append(MappingTypeValue(value, key in unknown, current.type_for(value) or ""))
    first = next((section for section in layout.get("sections", []) if section.get("header_row")), None)
    return MappingLayout(columns, values, layout.get("signature", ""),
                         [column["header"] for column in first["columns"]] if first else [])


class MappingFormBase(BaseForm):
    remember = BooleanField("记住这个映射：以后上传表头相同的文件（同一系统导出）时自动使用", default=True)
    submit = SubmitField("应用映射并预览")

    layout: MappingLayout

    def column_fields(self):
        return [(column, self[f"column_{index}"]) for index, column in enumerate(self.layout.columns)]

    def type_fields(self):
        return [(value, self[f"type_{index}"]) for index, value in enumerate(self.layout.type_values)]

    def mapping(self) -> ColumnMapping:
        """The choices as a mapping (only what differs from "automatic")."""
        columns = {column.header: field.data for column, field in self.column_fields() if field.data}
        types = {value.value: field.data for value, field in self.type_fields() if field.data}
        return ColumnMapping(columns=columns, type_values=types)


def mapping_form(layout: MappingLayout, **kwargs) -> MappingFormBase:
    """A form with one drop-down per header and per type value, preset to the current mapping."""
    field_choices = {choice.key: choice.label for choice in FIELD_CHOICES}
    attributes = {}
    for index, column in enumerate(layout.columns):
        attributes[f"column_{index}"] = SelectField(column.header, choices={"": column.auto_label, **field_choices},
                                                    default=column.mapped)
    for index, value in enumerate(layout.type_values):
        attributes[f"type_{index}"] = SelectField(value.value, choices={"": value.auto_label, **TYPE_TARGETS},
                                                  default=value.mapped)
    form_class = type("MappingForm", (MappingFormBase,), attributes)
    form = form_class(**kwargs)
    form.layout = layout
    return form
