"""Example instance configuration. Copy to instance/config.py; environment variables
named TRACKER_<SETTING> override these."""

SECRET_KEY = "change-me: python -c 'import secrets; print(secrets.token_hex(32))'"  # noqa: S105
# DATABASE_URL = "postgresql://tracker@db.example.org/tracker"
# BASE_URL = "https://tracker.example.org"
# MAIL_HOST = "smtp.example.org"
# MAIL_PORT = 587
# MAIL_SECURITY = "starttls"
# MAIL_USERNAME = "tracker"
# MAIL_PASSWORD = "..."
# MAIL_FROM = "Tracker <tracker@example.org>"
