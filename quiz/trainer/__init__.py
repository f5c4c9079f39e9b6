"""The trainers' side (培训管理员): question bank, bulk upload, quiz builder, results and item analysis."""
