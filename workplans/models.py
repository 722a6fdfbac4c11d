"""Models of workplans: built by a later issue."""
