#!/usr/bin/env python3
"""cacao_schema.py SCHEMAS_DIR FILE... — validate CACAO v2.0 documents against
the OASIS JSON Schemas (draft-07) in SCHEMAS_DIR, every $ref resolved from
those local files by their $id, never fetched. Prints "valid: FILE" or
"invalid: FILE: PATH: MESSAGE" per file; exit 0 when all are valid, 1 if
any is not, 2 on a usage or schema problem."""
import json
import os
import sys

import jsonschema


def load_store(root):
    store = {}
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".json"):
                with open(os.path.join(d, f), encoding="utf-8") as fh:
                    s = json.load(fh)
                store[s["$id"]] = s
    return store


def make_validator(root):
    store = load_store(root)
    top = store[next(k for k in store if k.endswith("/schemas/playbook.json"))]
    try:
        import referencing
        import referencing.jsonschema

        def never(uri):
            raise referencing.exceptions.NoSuchResource(ref=uri)

        registry = referencing.Registry(retrieve=never).with_resources(
            (uri, referencing.jsonschema.DRAFT7.create_resource(s)) for uri, s in store.items()
        )
        return jsonschema.Draft7Validator(top, registry=registry)
    except ImportError:  # jsonschema < 4.18 (Debian bookworm: 4.10)

        def never(uri):
            raise RuntimeError("refusing to fetch " + uri)

        resolver = jsonschema.RefResolver.from_schema(
            top, store=store, handlers={"http": never, "https": never}
        )
        return jsonschema.Draft7Validator(top, resolver=resolver)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    v = make_validator(argv[1])
    bad = 0
    for f in argv[2:]:
        with open(f, encoding="utf-8") as fh:
            doc = json.load(fh)
        errors = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            bad += 1
            e = errors[0]
            print("invalid: %s: %s: %s" % (f, e.json_path, e.message[:300]))
        else:
            print("valid: %s" % f)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
