"""One exception family: the CLI turns each into a one-line Vietnamese message."""


class SheetsSyncError(Exception):
    """A failure the user can fix; its message is a Vietnamese sentence naming the fix."""


class SourceError(SheetsSyncError):
    """The source cannot be opened, read or written."""


class ConfigError(SheetsSyncError):
    """The configuration file is missing, unreadable or wrong."""


class CredentialsError(SheetsSyncError):
    """The service-account key is missing, unreadable or malformed."""


class SheetChangedError(SheetsSyncError):
    """Rows moved between the read and the write; statuses would land on the wrong response."""

    # Seen only after the statuses were sent: some may sit on other responses until rewritten.
    written = False


class LockedError(SheetsSyncError):
    """Another run holds the lock on a local workbook."""


class UnreachableError(SourceError):
    """Google Sheets could not be reached, or kept answering 429/5xx, after the retries."""
