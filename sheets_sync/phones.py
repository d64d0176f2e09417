"""Vietnamese phone numbers."""

from __future__ import annotations


def format_phone(digits: str) -> str:
    """Group national digits with dots as the letter does: 0984.919.862, 024.3827.1234."""
    if not digits.isdigit():
        return digits
    if len(digits) == 10:
        return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"
    if len(digits) == 11:
        return f"{digits[:3]}.{digits[3:7]}.{digits[7:]}"
    return digits
