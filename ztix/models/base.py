"""The base of every file model: immutable, strict, unknown keys are errors."""

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Base of every file model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, defer_build=True)
