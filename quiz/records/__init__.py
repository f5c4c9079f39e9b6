"""Yearly training requirements, the 个人培训档案 (一人一档) and the 单位培训台账 (docs/records.md)."""
