"""Login and refresh, for both APIs."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=4096)


class UserPublic(BaseModel):
    id: str
    email: str
    name: str | None


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    user: UserPublic


class ClinicLoginRequest(LoginRequest):
    organizationSlug: str = Field(min_length=1, max_length=200)  # the document's spelling


class ClinicUserPublic(BaseModel):
    id: str
    email: str
    organizationId: str


class ClinicLogin(BaseModel):
    token: str
    user: ClinicUserPublic
