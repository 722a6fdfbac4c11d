"""Models of appraisals: built by a later issue."""
