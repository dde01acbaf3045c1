"""The clinic document's own not-found codes (a missing row and another tenant's row
look the same: both are not found)."""

from __future__ import annotations

from app.services.errors import NotFound


class OrganizationNotFound(NotFound):
    code = "ORGANIZATION_NOT_FOUND"


class UserNotFound(NotFound):
    """A provider, staff member, patient or caregiver (all users of the document)."""

    code = "USER_NOT_FOUND"
