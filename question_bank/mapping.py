"""A column mapping chosen by the trainer when the importer cannot tell a file's layout.

``columns`` maps a header cell (as shown to the trainer) to a field key of ``FIELD_CHOICES``;
``type_values`` maps a value of the type column (``"1"``, ``"SC"``) to ``single``,
``multiple``, ``true_false`` or ``skip``.  Headers and values are compared after
normalisation (NFKC, no whitespace, case-insensitive), so the mapping survives re-saving.
Columns not named in the mapping are still recognised by their header.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from .headers import FIELD_KEYS, normalize_header
from .model import QUESTION_TYPES

#: type_values targets: the internal types plus "skip" (the rows are left out, not errors)
TYPE_TARGETS: tuple[str, ...] = (*QUESTION_TYPES, "skip")
_TYPE_TARGET_SPELLINGS: dict[str, str] = {
    **{name: name for name in TYPE_TARGETS},
    **{label: name for name, label in QUESTION_TYPES.items()},
    **{f"{label}题": name for name, label in QUESTION_TYPES.items()},
    "跳过": "skip",
    "忽略": "skip",
    "不导入": "skip",
}
MAX_MAPPING_ENTRIES = 200
MAX_MAPPING_TEXT = 200


class MappingInvalid(ValueError):
    """A mapping that cannot be used; ``message`` is a Chinese sentence for the trainer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalize_value(text: str) -> str:
    """Key for comparing type-column values: NFKC, no whitespace, casefolded."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


@dataclass(frozen=True)
class ColumnMapping:
    """Header -> field and type value -> type, as chosen in a mapping step."""

    columns: Mapping[str, str] = field(default_factory=dict)
    type_values: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        columns: dict[str, str] = {}
        for header, target in dict(self.columns).items():
            if not isinstance(header, str) or not isinstance(target, str):
                raise MappingInvalid("列映射格式不正确：表头和字段都必须是文字")
            target = target.strip()
            if target not in FIELD_KEYS:
                raise MappingInvalid(f"列映射中的字段“{target}”不存在")
            columns[header] = target
        types: dict[str, str] = {}
        for value, target in dict(self.type_values).items():
            if not isinstance(value, str) or not isinstance(target, str):
                raise MappingInvalid("题型映射格式不正确：取值和题型都必须是文字")
            resolved = _TYPE_TARGET_SPELLINGS.get(target.strip())
            if resolved is None:
                raise MappingInvalid(f"题型映射中的“{target}”无效，请选择 单选、多选、判断 或 跳过")
            types[value] = resolved
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "type_values", types)
        object.__setattr__(self, "_by_header", {normalize_header(k): v for k, v in columns.items()})
        object.__setattr__(self, "_by_value", {normalize_value(k): v for k, v in types.items()})

    def field_for(self, header: str) -> str | None:
        """The mapped field of a header cell, or None when the mapping does not name it."""
        return self._by_header.get(normalize_header(header))  # type: ignore[attr-defined]

    def type_for(self, value: str) -> str | None:
        """The mapped type ("single" ... or "skip") of a type-column value, or None."""
        return self._by_value.get(normalize_value(value))  # type: ignore[attr-defined]

    @property
    def is_empty(self) -> bool:
        return not self.columns and not self.type_values

    @classmethod
    def from_json(cls, data: str | bytes | Mapping | None) -> ColumnMapping:
        """Build from the API's JSON: ``{"columns": {"试题类型": "题型"}, "type_values": {"1": "单选"}}``.

        Accepts the JSON text or the decoded object; None or "" gives an empty mapping.
        Type names may be Chinese (单选/多选/判断/跳过) or internal (single/.../skip).
        Raises MappingInvalid with a Chinese message for anything else.
        """
        if data is None or (isinstance(data, (str, bytes)) and not data.strip()):
            return cls()
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except (ValueError, RecursionError):
                raise MappingInvalid("列映射不是有效的 JSON") from None
        if not isinstance(data, Mapping):
            raise MappingInvalid("列映射必须是 JSON 对象，如 {\"columns\": {...}, \"type_values\": {...}}")
        unknown = set(data) - {"columns", "type_values"}
        if unknown:
            raise MappingInvalid(f"列映射中有无法识别的项：{'、'.join(sorted(map(str, unknown)))}")
        columns = data.get("columns") or {}
        type_values = data.get("type_values") or {}
        if not isinstance(columns, Mapping) or not isinstance(type_values, Mapping):
            raise MappingInvalid("列映射中的 columns 和 type_values 必须是 JSON 对象")
        if len(columns) + len(type_values) > MAX_MAPPING_ENTRIES:
            raise MappingInvalid(f"列映射最多{MAX_MAPPING_ENTRIES}项")
        for key in (*columns, *type_values):
            if isinstance(key, str) and len(key) > MAX_MAPPING_TEXT:
                raise MappingInvalid(f"列映射中的表头或取值不能超过{MAX_MAPPING_TEXT}字")
        return cls(columns=dict(columns), type_values=dict(type_values))

    def to_json(self) -> dict:
        """The JSON form (internal type names), e.g. to store a remembered mapping."""
        return {"columns": dict(self.columns), "type_values": dict(self.type_values)}
