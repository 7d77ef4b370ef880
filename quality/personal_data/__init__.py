"""Personal-data detectors and the free-text scrubber (pure Python, no Dagster).

Each detector returns `Span(start, end, kind)` over a string:

| detector              | kind                | module      |
|-----------------------|---------------------|-------------|
| `find_ruts`           | `rut`               | `ruts`      |
| `find_emails`         | `email`             | `emails`    |
| `find_phones`         | `phone`             | `phones`    |
| `find_addresses`      | `address`           | `addresses` |
| `find_requester_name` | `person_name`       | `names`     |
| `find_cued_names`     | `person_name_cue`   | `names`     |
| `find_name_guesses`   | `person_name_guess` | `names`     |

What each detector does and does not flag is written in its module docstring.

`scrub_text` / `scrub_series` run them all on free text (company RUTs — body
>= 50,000,000 — are kept: they are public), replace each span with a Spanish
placeholder and, via `review_reasons`, flag a cleaned text that still looks
risky: a RUT shape or a number after "RUT" (whatever its check digit), a bare
7–9 digit run with a valid check digit, a `@` or "arroba", "+56" or digits
after a phone word, a self-introduction or honorific followed by a lower-case
word, a home-address cue followed by a number. Reasons are codes only.

`find_personal_data` is the publish-time leak scan: the same detectors minus
the requester's name, company RUTs and name guesses (public columns hold
company and institution names). It flags a bare 9-digit number starting with
9 as a mobile phone, so run it over text columns, not over integer amounts.
"""

from quality.personal_data._text import Span
from quality.personal_data.addresses import find_addresses
from quality.personal_data.emails import find_emails
from quality.personal_data.names import find_cued_names, find_name_guesses, find_requester_name
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
    "find_name_guesses",
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
