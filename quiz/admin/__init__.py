"""The admins' side (系统管理员): units, accounts, bulk account import and the audit log."""
