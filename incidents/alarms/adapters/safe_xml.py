"""XML from outside, parsed with defusedxml: no DTD, no entities, no external references."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from incidents.alarms.errors import AlarmParseError, type_name


def parse_xml(document: Any, what: str) -> Element:
    """The root element of `document` (bytes), or an AlarmParseError saying why not."""
    if not isinstance(document, bytes | bytearray):
        raise AlarmParseError(
            f"{what}: expected the XML document as bytes, got {type_name(document)}"
        )
    if not bytes(document).strip():
        raise AlarmParseError(f"empty body: expected {what}")
    try:
        # Alarms come from outside: a DTD can define entities that expand a few bytes into
        # gigabytes or read local files, and nothing csu accepts needs one, so any DTD is refused.
        root: Element = fromstring(bytes(document), forbid_dtd=True)
    except DefusedXmlException:
        raise AlarmParseError("XML with a DTD or entities is refused") from None
    except ParseError as exc:
        raise AlarmParseError(f"invalid XML: {exc}") from None
    except (ValueError, LookupError) as exc:
        # expat raises these for a declared encoding it does not know or cannot decode.
        raise AlarmParseError(f"invalid XML: {exc}") from None
    return root


def text_of(element: Element | None) -> str | None:
    """The element's text stripped, or None when the element is absent or empty."""
    if element is None or element.text is None:
        return None
    return element.text.strip() or None
