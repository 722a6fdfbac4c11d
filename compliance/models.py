"""Models of compliance: built by a later issue."""
