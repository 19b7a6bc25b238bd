"""The site's data controller and data protection officer: whom the cameras' public signs name."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError


def _printable(value: str) -> str:
    # A sign is printed and posted in the street: a control character or a line break would
    # print as garbage or split a line the layout expects whole.
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    bad = next((c for c in value if ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF), None)
    if bad is not None:
        raise PydanticCustomError(
            "control_character",
            "contains the control character U+{code} at offset {at}",
            {"code": f"{ord(bad):04X}", "at": value.index(bad)},
        )
    return value.strip()


Name = Annotated[
    str,
    Field(min_length=1, max_length=200, description="Name as printed on the signs."),
    AfterValidator(_printable),
]
Address = Annotated[
    str,
    Field(min_length=1, max_length=300, description="Postal address on one line."),
    AfterValidator(_printable),
]
Email = Annotated[
    str,
    Field(
        max_length=254,
        pattern=r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$",
        description="E-mail address.",
    ),
]
WebAddress = Annotated[
    str,
    Field(max_length=300, pattern=r"^https://[^\s]+$", description="An https:// address."),
]
Phone = Annotated[
    str,
    Field(max_length=30, pattern=r"^\+?[0-9][0-9 .()-]{5,28}$", description="Telephone number."),
]


class ControllerConfig(BaseModel):
    """The data controller: the authority that runs the cameras (the city)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    address: Address
    rights_url: WebAddress | None = Field(
        default=None, description="Where the public reads about its rights and the cameras."
    )


class DpoConfig(BaseModel):
    """The controller's data protection officer, whom the public writes to about its rights."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    email: Email
    address: Address | None = Field(default=None, description="Postal address for requests.")
    phone: Phone | None = Field(default=None, description="Telephone number for the public.")
