"""records.py -- measure's JSON-lines data for the tests, header lines applied.

A header line ({"records_header": 1, "cpu", "runtime", "backend", "threads",
"date", "protocol"}) gives its fields to the records after it (measure.h);
load() returns the records with those fields, as the C readers see them;
a .gz file is read decompressed, as the C readers do (src/build/datafile.h).
"""
import gzip
import json


def load(path):
    out, header = [], {}
    for line in (gzip.open(path, "rt") if str(path).endswith(".gz") else open(path)):
        r = json.loads(line)
        if "records_header" in r:
            header = {k: v for k, v in r.items() if k != "records_header"}
            continue
        out.append({**header, **r})
    return out
