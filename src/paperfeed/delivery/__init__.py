"""Getting feeds to people: digest emails, SMTP, the each-paper-once log, feed formats, the daily run."""
