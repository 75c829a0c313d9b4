"""python -m tf2aif_toolchain.serve.healthcheck: exit 0 when the local server is ready, 1 otherwise.

For Docker's HEALTHCHECK (the image has no curl): asks GET /v2/health/ready on 127.0.0.1 at TF2AIF_PORT (the image sets it to variant.json's port)."""

from __future__ import annotations

import http.client
import os
import sys


def main() -> int:
    if not os.environ.get("TF2AIF_PORT"):
        print("tf2aif healthcheck: TF2AIF_PORT is not set (the image's Dockerfile sets it to the server's port)", file=sys.stderr)
        return 1
    port = int(os.environ["TF2AIF_PORT"])
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=float(os.environ.get("TF2AIF_HEALTH_TIMEOUT", "2")))
        conn.request("GET", "/v2/health/ready")
        status = conn.getresponse().status
        conn.close()
    except OSError as e:
        print(f"tf2aif healthcheck: no server on port {port}: {e}", file=sys.stderr)
        return 1
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
