#!/usr/bin/env bash
# broker/openapi.json against the router's table and against the real
# answers tests/http/api_routes.sh saved in API_SAVE_DIR (the CTest fixture
# http_responses runs it first). python3-jsonschema: deploy/bootstrap.
set -euo pipefail
SRC=${FEDSOAR_SOURCE_DIR:?}
: "${API_SAVE_DIR:?API_SAVE_DIR must name the answers api_routes.sh saved}"
command -v python3 >/dev/null || { echo "missing tool python3 (deploy/bootstrap installs it)"; exit 1; }
python3 -c 'import jsonschema' 2>/dev/null ||
    { echo "missing python3-jsonschema (deploy/bootstrap installs it)"; exit 1; }
exec python3 "$SRC/tests/http/openapi_conformance.py" "$SRC" "$API_SAVE_DIR"
