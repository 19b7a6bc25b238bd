"""People's language: one message catalogue for pages, reports, log books and the CLI, and the
site's way of writing dates, times and numbers.

The catalogue is JSON, one file per area and language (`catalogue/<language>/<area>.json`), with
the same keys in every language. Keys start with their area (`console.queue.title`). A text may
name parameters in braces (`{count}`); a text that depends on a count has one key per plural
category (`timeline.group_one`, `timeline.group_other`) and is asked for without the suffix.
The browser gets the same catalogue from `/api/i18n` (web/static/common/i18n.js).
"""

from csu.i18n.catalogue import LANGUAGES, Catalogue, Language, catalogue
from csu.i18n.formats import SiteClock
from csu.i18n.reader import READER_LANGUAGE
from csu.i18n.translator import Translator

__all__ = [
    "LANGUAGES",
    "READER_LANGUAGE",
    "Catalogue",
    "Language",
    "SiteClock",
    "Translator",
    "catalogue",
]
