"""The results store: one SQLite database (WAL) in a results folder, with versioned
migrations; only drivers write it."""
