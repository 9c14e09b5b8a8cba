"""``spothive local``: the whole stack on loopback (moto, Redis, ticker, API) until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

#: The shell's code for a process ended by SIGINT.
EXIT_INTERRUPTED = 130


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``local`` sub-command."""
    parser = subparsers.add_parser(
        "local", help="run SpotHive locally on moto, Redis and uvicorn",
        description="Start SpotHive on 127.0.0.1: moto (AWS), Redis, the schedules and the API. "
                    "Ports and the data directory also come from SPOTHIVE_LOCAL_API_PORT, "
                    "SPOTHIVE_LOCAL_MOTO_PORT, SPOTHIVE_LOCAL_REDIS_PORT and SPOTHIVE_LOCAL_DATA_DIR.",
    )
    parser.add_argument("--api-port", type=int, help="API port (default 8000; 0 = any free port)")
    parser.add_argument("--moto-port", type=int, help="moto port (default 5000)")
    parser.add_argument("--redis-port", type=int, help="Redis port (default 6379)")
    parser.add_argument("--data-dir", type=Path, help="data directory (default .spothive)")
    parser.add_argument("--aws-endpoint", metavar="URL",
                        help="use this running emulator (e.g. LocalStack) instead of starting moto")
    parser.add_argument("--ticker-speed", type=_positive, help="run the schedules this many times faster")
    parser.add_argument("--no-ticker", action="store_true", help="do not fire the schedules")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo after start-up")
    parser.add_argument("--exit-after-demo", action="store_true", help="stop once the demo has run")
    parser.add_argument("--forwarded-allow-ips", metavar="IPS",
                        help="reverse proxies whose X-Forwarded-For the API believes (comma-separated; "
                             "default none, also SPOTHIVE_LOCAL_FORWARDED_ALLOW_IPS)")
    parser.set_defaults(func=run, exit_without_teardown=True)


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def run(args: argparse.Namespace) -> int:
    """Start the stack, run the demo, serve until SIGINT/SIGTERM, stop everything."""
    from spothive.local.runtime import LocalConfig, LocalStack

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    for chatty in ("botocore", "boto3", "urllib3"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    config = LocalConfig.from_env(
        api_port=args.api_port, moto_port=args.moto_port, redis_port=args.redis_port, data_dir=args.data_dir,
        ticker_speed=args.ticker_speed, aws_endpoint=args.aws_endpoint,
        ticker=False if args.no_ticker else None, forwarded_allow_ips=args.forwarded_allow_ips,
    )
    stack = LocalStack(config)
    stack.install_signal_handlers()
    try:
        try:
            stack.start()
        except (OSError, RuntimeError) as exc:
            print(f"spothive local: cannot start: {exc}", file=sys.stderr)
            return 1
        print(f"SpotHive local stack ready in {stack.startup_seconds:.1f}s\n{stack.summary()}", flush=True)
        if not args.no_demo:
            stack.run_demo()
        if args.exit_after_demo:
            return 0
        print("Press Ctrl-C to stop.", flush=True)
        stack.wait()
        return 0
    except KeyboardInterrupt:
        print("\nspothive local: interrupted, stopping", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    finally:
        stack.stop()
