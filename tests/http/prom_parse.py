#!/usr/bin/env python3
"""prom_parse.py — a strict parser of the Prometheus text exposition format
0.0.4 (no pip), for the tests.

prom_parse.py FILE [FAMILY...]
Checks every line: "# HELP name text", "# TYPE name counter|gauge|histogram|
summary|untyped" (once per family, before its samples), samples
`name{label="value",...} number` with valid names, label values escaped
(only \\\\, \\" and \\n), no duplicate series, a family's samples together,
histograms with ascending le buckets, cumulative counts, a +Inf bucket equal
to _count, and a _sum. Prints the samples as JSON {"name{labels}": value}
and exits 1 naming the first problem, or when a FAMILY given is absent.
"""
import json
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE = re.compile(r"^(" + NAME + r")(\{(.*)\})? (\S+)( -?\d+)?$")


def parse_labels(text, where):
    labels, i = [], 0
    while i < len(text):
        m = re.match(LABEL, text[i:])
        if not m:
            raise ValueError("%s: bad label name at %r" % (where, text[i:]))
        name = m.group(0)
        i += len(name)
        if text[i:i + 2] != '="':
            raise ValueError("%s: label %s needs =\"" % (where, name))
        i += 2
        val = []
        while True:
            if i >= len(text):
                raise ValueError("%s: unterminated label value" % where)
            c = text[i]
            if c == "\\":
                nxt = text[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise ValueError("%s: bad escape \\%s" % (where, nxt))
                val.append({"n": "\n"}.get(nxt, nxt))
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise ValueError("%s: newline in label value" % where)
            else:
                val.append(c)
                i += 1
        labels.append((name, "".join(val)))
        if i < len(text):
            if text[i] != ",":
                raise ValueError("%s: expected , after label %s" % (where, name))
            i += 1
    names = [n for n, _ in labels]
    if len(set(names)) != len(names):
        raise ValueError("%s: a label twice" % where)
    return labels


def parse_value(v, where):
    if v in ("+Inf", "-Inf", "NaN"):
        return float(v.replace("Inf", "inf"))
    if not re.match(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$", v):
        raise ValueError("%s: bad value %r" % (where, v))
    return float(v)


def parse(text):
    if text and not text.endswith("\n"):
        raise ValueError("the text must end with a newline")
    types, helps, samples, order = {}, {}, {}, []
    current = None
    for no, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d" % no
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not re.fullmatch(NAME, name):
                    raise ValueError("%s: bad metric name %r" % (where, name))
                if parts[1] == "TYPE":
                    if name in types:
                        raise ValueError("%s: TYPE of %s twice" % (where, name))
                    if name in order:
                        raise ValueError("%s: TYPE of %s after its samples" % (where, name))
                    t = parts[3] if len(parts) > 3 else ""
                    if t not in ("counter", "gauge", "histogram", "summary", "untyped"):
                        raise ValueError("%s: bad type %r" % (where, t))
                    types[name] = t
                else:
                    if name in helps:
                        raise ValueError("%s: HELP of %s twice" % (where, name))
                    helps[name] = parts[3] if len(parts) > 3 else ""
                current = name
            continue
        if line.strip() == "":
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("%s: not a sample: %r" % (where, line))
        name, labels = m.group(1), parse_labels(m.group(3) or "", where)
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and types.get(name[:-len(suffix)]) == "histogram":
                family = name[:-len(suffix)]
        if family != current:
            raise ValueError("%s: sample of %s outside its family's block" % (where, family))
        if family not in order:
            order.append(family)
        key = name + "{" + ",".join('%s="%s"' % kv for kv in sorted(labels)) + "}"
        if key in samples:
            raise ValueError("%s: series %s twice" % (where, key))
        samples[key] = parse_value(m.group(4), where)
    for fam, t in types.items():
        if t != "histogram":
            continue
        buckets = [(k, v) for k, v in samples.items() if k.startswith(fam + "_bucket{")]
        les = []
        for k, v in buckets:
            le = re.search(r'le="([^"]*)"', k).group(1)
            les.append((math.inf if le == "+Inf" else float(le), v))
        les.sort()
        if not les or les[-1][0] != math.inf:
            raise ValueError("histogram %s has no +Inf bucket" % fam)
        for (a, x), (b, y) in zip(les, les[1:]):
            if y < x:
                raise ValueError("histogram %s: bucket le=%s < le=%s" % (fam, b, a))
        if samples.get(fam + "_count{}") != les[-1][1] or fam + "_sum{}" not in samples:
            raise ValueError("histogram %s: _count must equal the +Inf bucket, _sum present" % fam)
    return types, samples


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    try:
        types, samples = parse(text)
    except ValueError as e:
        print("prometheus text: %s" % e)
        return 1
    for fam in sys.argv[2:]:
        if fam not in types:
            print("prometheus text: family %s absent" % fam)
            return 1
    print(json.dumps(samples, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
