"""Survey instruments and ratings, counted exactly once."""
