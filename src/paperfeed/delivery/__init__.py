"""Getting feeds to people: digest emails, SMTP, the each-paper-once log, feed formats, the daily run."""

FEED_FORMATS = ("terminal", "json", "atom", "markdown", "bibtex")
"""`feed --format` choices (formats.py writes atom, markdown and bibtex)."""
