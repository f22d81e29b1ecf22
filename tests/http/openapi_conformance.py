#!/usr/bin/env python3
"""openapi_conformance.py SRC RESPONSES_DIR — broker/openapi.json against
the router and against real answers (docs/api.md, label http).

1. The document is valid JSON, OpenAPI 3.1, and every schema in it is a
   valid JSON Schema 2020-12 schema.
2. Every route of broker/http_router.c's table (METHOD PATTERN, read with a
   regex) is documented, and every documented operation is a route; the
   query parameters of each route (the router's http_param_t tables) are
   the documented ones, with the same enums and upper bounds.
3. Every answer tests/http/api_routes.sh saved (API_SAVE_DIR: method, path,
   status, content type, body) has its status and content type documented
   for its route, and a JSON body validates against the documented schema
   ($refs resolved against the whole document, Draft 2020-12). The served
   /api/v1/openapi.json is the file, byte for byte.
"""
import glob
import json
import os
import re
import sys

import jsonschema

FAILS = []
PASSES = 0


def check(ok, what):
    global PASSES
    if ok:
        PASSES += 1
        print("ok - " + what)
    else:
        FAILS.append(what)
        print("not ok - " + what)


def router_table(src):
    text = open(os.path.join(src, "broker/http_router.c")).read()
    routes = re.findall(r'\{R\("([A-Z]+)",\s*"([^"]+)",\s*(?:"[^"]*"|NULL)\)([^}]*)', text)
    # Parameter tables: static const http_param_t NAME[] = { ... P_END, };
    tables = {}
    for name, body in re.findall(r"static const http_param_t (\w+)\[\] = \{(.*?)P_END", text, re.S):
        params = {}
        if "P_PAGE" in body:
            params["cursor"] = {"type": "string"}
            params["limit"] = {"type": "integer", "max": 500}
        for pname, ptype, enums, pmax in re.findall(
                r'\{"(\w+)",\s*HTTP_P_(\w+),\s*([^,]+(?:\{[^}]*\})?),\s*(\d+)\}', body):
            spec = {"type": {"STRING": "string", "UINT": "integer", "BOOL": "boolean"}[ptype]}
            if int(pmax):
                spec["max"] = int(pmax)
            enum_list = re.findall(r'"([^"]+)"', enums)
            if enum_list:
                spec["enum"] = enum_list
            elif enums.strip() not in ("NULL",):
                # a named enum array (case_statuses)
                arr = re.search(r"static const char \*const " + re.escape(enums.strip()) +
                                r"\[\] = \{(.*?)\};", text, re.S)
                if arr:
                    spec["enum"] = re.findall(r'"([^"]+)"', arr.group(1))
            params[pname] = spec
        tables[name] = params
    out = {}
    for method, pattern, rest in routes:
        m = re.search(r"\.params = (\w+)", rest)
        out[(method, pattern)] = tables.get(m.group(1), {}) if m else {}
    return out


def resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        ptr = node["$ref"][2:].split("/")
        node = doc
        for p in ptr:
            node = node[p.replace("~1", "/").replace("~0", "~")]
    return node


def pointer(*parts):
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def main():
    src, saved = sys.argv[1], sys.argv[2]
    raw = open(os.path.join(src, "broker/openapi.json"), "rb").read()
    try:
        doc = json.loads(raw)
    except ValueError as e:
        check(False, "broker/openapi.json is JSON: %s" % e)
        return
    check(str(doc.get("openapi", "")).startswith("3.1."), "the document is OpenAPI 3.1")
    V = jsonschema.Draft202012Validator
    bad = []
    for name, s in doc.get("components", {}).get("schemas", {}).items():
        try:
            V.check_schema(s)
        except jsonschema.SchemaError as e:
            bad.append("%s: %s" % (name, e.message))
    check(not bad, "every component schema is valid JSON Schema 2020-12 %s" % bad)
    for key in ("bearerToken", "sessionCookie", "csrfToken"):
        check(key in doc.get("components", {}).get("securitySchemes", {}), "securityScheme " + key)

    # 2. the router and the document, both ways
    table = router_table(src)
    check(len(table) >= 30, "the router's table read (%d routes)" % len(table))
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops
                  if m in ("get", "put", "post", "patch", "delete", "head", "options")}
    for r in sorted(set(table) - documented):
        check(False, "route %s %s is documented" % r)
    for r in sorted(documented - set(table)):
        check(False, "documented %s %s is a route" % r)
    check(set(table) == documented, "routes and documented operations are the same %d" % len(table))
    for (method, pattern), params in sorted(table.items()):
        op = doc["paths"].get(pattern, {}).get(method.lower())
        if op is None:
            continue
        qs = {}
        for p in op.get("parameters", []):
            p = resolve(doc, p)
            if p["in"] == "query":
                qs[p["name"]] = p["schema"]
        same = set(qs) == set(params)
        detail = []
        for name, spec in params.items():
            s = qs.get(name, {})
            if s.get("type") != spec["type"]:
                detail.append("%s type %s != %s" % (name, s.get("type"), spec["type"]))
            if "enum" in spec and s.get("enum") != spec["enum"]:
                detail.append("%s enum %s != %s" % (name, s.get("enum"), spec["enum"]))
            if "max" in spec and s.get("maximum") != spec["max"]:
                detail.append("%s maximum %s != %s" % (name, s.get("maximum"), spec["max"]))
        check(same and not detail, "%s %s: query parameters %s documented as the router has them %s"
              % (method, pattern, sorted(params), detail or ("" if same else sorted(qs))))
        # path parameters: each {name} documented as a required path parameter
        names = re.findall(r"\{(\w+)\}", pattern)
        path_params = [resolve(doc, p)["name"] for p in op.get("parameters", [])
                       if resolve(doc, p)["in"] == "path"]
        check(sorted(names) == sorted(path_params), "%s %s: path parameters %s documented" % (method, pattern, names))

    # 3. real answers
    files = sorted(glob.glob(os.path.join(saved, "*.json")))
    check(len(files) >= 50, "answers saved by api_routes.sh: %d" % len(files))
    patterns = []
    for (method, pattern) in table:
        rx = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(pattern)) + "$"
        literal = len(re.sub(r"\{\w+\}", "", pattern))
        patterns.append((literal, method, pattern, re.compile(rx)))
    patterns.sort(reverse=True)
    validated = 0
    seen_routes = set()
    for f in files:
        rec = json.load(open(f))
        path = rec["path"].split("?")[0]
        route = next(((m, p) for _, m, p, rx in patterns if m == rec["method"] and rx.match(path)), None)
        what = "%s %s -> %d" % (rec["method"], rec["path"][:100], rec["status"])
        if route is None:
            continue  # a path that is no route (404/405): the problem shape is checked below
        seen_routes.add(route)
        op = doc["paths"][route[1]][route[0].lower()]
        resp = op["responses"].get(str(rec["status"])) or op["responses"].get("default")
        if resp is None:
            check(False, "%s: status %d documented for %s %s" % (what, rec["status"], *route))
            continue
        resp = resolve(doc, resp)
        ctype = rec["content_type"]
        content = resp.get("content", {})
        if ctype not in content:
            check(False, "%s: content type %r documented (%s)" % (what, ctype, sorted(content)))
            continue
        if route == ("GET", "/api/v1/openapi.json") and rec["status"] == 200:
            check(rec["body"].encode() == raw, "the served /api/v1/openapi.json is broker/openapi.json")
        if not ctype.endswith("json"):
            continue
        try:
            body = json.loads(rec["body"])
        except ValueError:
            check(False, "%s: the body is JSON" % what)
            continue
        # The schema by pointer, resolved against the whole document.
        st = str(rec["status"]) if str(rec["status"]) in op["responses"] else "default"
        resp_ptr = op["responses"][st]
        base = pointer("paths", route[1], route[0].lower(), "responses", st)
        if "$ref" in resp_ptr:
            base = resp_ptr["$ref"]
        root = dict(doc)
        root["$ref"] = base + "/" + "/".join(["content", ctype.replace("/", "~1"), "schema"])
        errors = sorted(V(root).iter_errors(body), key=lambda e: list(e.path))
        check(not errors, "%s: the body fits the documented schema%s" % (
            what, "" if not errors else ": " + "; ".join(
                "%s %s" % ("/".join(map(str, e.path)), e.message[:200]) for e in errors[:3])))
        validated += 1
    check(validated >= 50, "JSON answers validated: %d" % validated)
    missing = sorted(set(table) - seen_routes)
    check(not missing, "every route has at least one real answer checked %s" % missing)
    print("%d passed, %d failed" % (PASSES, len(FAILS)))
    sys.exit(1 if FAILS else 0)


main()
