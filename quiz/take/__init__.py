"""The employee's side: open quizzes, the timed attempt page, results and history."""
