"""Personal-data detectors and the free-text scrubber (pure Python, no Dagster).

Each detector returns `Span(start, end, kind)` over a string:

| detector              | kind              | module        |
|-----------------------|-------------------|---------------|
| `find_ruts`           | `rut`             | `ruts`        |
| `find_emails`         | `email`           | `emails`      |
| `find_phones`         | `phone`           | `phones`      |
| `find_addresses`      | `address`         | `addresses`   |
| `find_requester_name` | `person_name`     | `names`       |
| `find_cued_names`     | `person_name_cue` | `names`       |

`scrub_text` / `scrub_series` replace spans with Spanish placeholders and flag
texts that still look risky; `find_personal_data` is the publish-time leak scan.
What each detector does and does not flag is written in its module docstring.
"""

from quality.personal_data._text import Span
from quality.personal_data.addresses import find_addresses
from quality.personal_data.emails import find_emails
from quality.personal_data.names import find_cued_names, find_requester_name
from quality.personal_data.phones import find_phones
from quality.personal_data.ruts import find_ruts, normalise_rut, rut_kind
from quality.personal_data.scrub import (
    PLACEHOLDERS,
    REVIEW_REASONS,
    ScrubResult,
    find_personal_data,
    review_reasons,
    scrub_series,
    scrub_text,
)

__all__ = [
    "PLACEHOLDERS",
    "REVIEW_REASONS",
    "ScrubResult",
    "Span",
    "find_addresses",
    "find_cued_names",
    "find_emails",
    "find_personal_data",
    "find_phones",
    "find_requester_name",
    "find_ruts",
    "normalise_rut",
    "review_reasons",
    "rut_kind",
    "scrub_series",
    "scrub_text",
]
