"""The employee's training at a glance: for the training page and the home page's panel."""

from __future__ import annotations

from . import levels, mastery, notebook, practice


def overview(user) -> dict:
    """Read-only figures for the home page panel and the training page."""
    masteries = mastery.category_mastery(user.id)
    series_list = [levels.series_progress(user, series) for series in levels.published_series()]
    return {
        "masteries": masteries,
        "weakest": mastery.weakest_category(masteries),
        "window": mastery.MASTERY_WINDOW,
        "notebook_count": notebook.active_count(user),
        "open_session": practice.open_session(user),
        "series": series_list,
    }
