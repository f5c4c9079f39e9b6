"""The organisation: the unit tree, unit managers (单位管理员) and what they see of their subtree."""
