"""Pulse surveys: the survey, its numbered rounds, receipts, anonymous answers and the
sealed tallies of closed rounds. Models in `models`, queries in `queries`."""
