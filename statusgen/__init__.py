"""statusgen: a status page that lives in a git repository."""

__version__ = "0.1.0"
USER_AGENT = f"statusgen/{__version__}"
