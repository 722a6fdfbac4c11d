"""Models of rebuttals: built by a later issue."""
