"""`healthinsight serve [--port N] [--host H]`: the API server alone, in the foreground."""

from __future__ import annotations

import argparse
import sys

from app.commands.common import add_command
from app.context import AppContext


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(sub, "serve", help="run the REST/WebSocket API on 127.0.0.1",
                         handler=serve)
    parser.add_argument("--port", type=int, default=None,
                        help="port to listen on (default: settings.api_port, 8765)")
    parser.add_argument("--host", default=None,
                        help="address to bind (default 127.0.0.1; anything else exposes "
                        "your records to the network)")


def serve(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.api.server import ApiServer, is_loopback  # FastAPI only for this command

    server = ApiServer(ctx, host=args.host, port=args.port, log_level="info")
    if not is_loopback(server.host):
        print(f"healthinsight: WARNING: binding to {server.host} makes the API reachable "
              "from other machines; anyone there with a token can read your records",
              file=sys.stderr)
    try:
        server.bind()
    except OSError as exc:
        print(f"healthinsight: cannot listen on {server.host}:{server.port}: {exc.strerror}",
              file=sys.stderr)
        return 1
    print(f"HealthInsight API on {server.url} (docs at {server.url}/docs); Ctrl-C stops it",
          flush=True)
    stopped_by = server.serve_forever()
    # the shell's codes for a command a signal stopped (130 after Ctrl-C), after a clean
    # shutdown
    return 128 + stopped_by if stopped_by else 0
