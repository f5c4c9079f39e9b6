"""Campaigns (活动): one 安全生产月 a year with its theme, dates, quizzes and level series, its board and its 活动总结."""
