"""`python -m discordsim`: serve the simulator on a loopback address until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from pathlib import Path

from discordsim import sample
from discordsim.server import SimServer, is_loopback
from discordsim.state import ScenarioError

logger = logging.getLogger("discordsim")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m discordsim", description=__doc__)
    parser.add_argument(
        "--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8001, help="default 8001; 0 picks a free port")
    parser.add_argument(
        "--scenario", type=Path, help="a scenario JSON file (default: the built-in sample scenario)"
    )
    parser.add_argument(
        "--site",
        action="append",
        default=[],
        metavar="URL",
        help="also accept this site's login and bot callbacks as redirect URIs (repeatable)",
    )
    return parser.parse_args(argv)


async def run(server: SimServer) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)

    def ready() -> None:
        app = server.state.application
        logger.info("discordsim serving %s for %s (client_id %s)", server.url, app.name, app.id)
        logger.info(
            "gateway %s/gateway, control API %s/_sim/",
            server.url.replace("http", "ws", 1),
            server.url,
        )

    await server.serve(stopping, ready)
    logger.info("discordsim stopped")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not is_loopback(args.host):
        logger.error(
            "refusing to listen on %s: discordsim binds loopback addresses only", args.host
        )
        return 2
    scenario = sample.sample_scenario()
    if args.scenario is not None:
        try:
            scenario = json.loads(args.scenario.read_text())
        except (OSError, ValueError) as error:
            logger.error("cannot read %s: %s", args.scenario, error)
            return 2
    if args.site and isinstance(scenario.get("application"), dict):
        application = scenario["application"]
        known = list(application.get("redirect_uris") or [])
        application["redirect_uris"] = known + [
            uri for uri in sample.site_redirect_uris(*args.site) if uri not in known
        ]
    try:
        server = SimServer(args.host, args.port, scenario, access_log=True)
    except ScenarioError as error:
        logger.error("invalid scenario: %s", error)
        return 2
    try:
        asyncio.run(run(server))
    except OSError as error:
        logger.error("cannot listen on %s:%s: %s", args.host, args.port, error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
