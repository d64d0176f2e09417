"""sheets-sync: check union fanpage reports from a Google Form and make the Word lists."""

__version__ = "0.1.0"
