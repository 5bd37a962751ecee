"""Award nomination drives: tables in `models`, the queries the feature needs in `queries`."""
