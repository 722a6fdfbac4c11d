"""Date and time formats per language (settings.FORMAT_MODULE_PATH), on top of Django's.

Templates and code name a format ("DATE_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT",
"SHORT_DATETIME_FORMAT") instead of spelling one out, so each language reads dates its own way.
"""
