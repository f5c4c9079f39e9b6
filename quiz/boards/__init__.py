"""Ranking boards: unit and individual boards, charts, exports, the campaign summary and the big screen."""
