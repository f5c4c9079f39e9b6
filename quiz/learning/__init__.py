"""Online learning (学习资料): courses, server-recorded progress, 学时 (docs/learning.md)."""
