"""Reading a CSV file as frictionless-py does, in columnar Arrow batches of text cells.

Shared by ingestion (`datasets.readers.delimited`) and the validator
(`quality.validator`): `reader` reads and numbers records, `chunked` cuts a file into
blocks parsed on several threads, `engines` picks the fastest reader that reads the
file as Python's ``csv`` does, `masks` turns Arrow booleans into numpy masks.
"""

import os

# Arrow's allocator (mimalloc) asks Linux for transparent huge pages on its 1 GiB
# arena; a validation then spends up to a fifth of its time zeroing 2 MB pages it
# barely uses, more when it runs on several threads. Read when pyarrow loads, so it
# only applies when this package (or the validator, which imports it first) is imported
# before pyarrow; an explicit setting is kept.
os.environ.setdefault("MIMALLOC_ALLOW_THP", "0")
