"""`hackgrad playground` and `hackgrad circuit`: serve the pages on this machine and open a browser on one.

One server serves both pages (/ the playground, /circuit the circuit); the commands differ only in the
page the browser opens.
"""

import sys

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_arguments(parser):
    parser.add_argument("--port", type=int, default=8000,
                        help="port to listen on; 0 picks a free one (default 8000)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1, this machine only)")
    parser.add_argument("--no-browser", action="store_true", help="print the address but open no browser")
    parser.add_argument("--verbose", action="store_true", help="log every request")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run(args, page="", name="playground"):
    import signal
    import threading
    import webbrowser

    from hackgrad.playground.server import make_server

    if not 0 <= args.port <= 65535:
        print(f"hackgrad {name}: --port must be in [0, 65535], got {args.port}", file=sys.stderr)
        return 2
    try:
        server = make_server(args.host, args.port, quiet=not args.verbose)
    except OSError as e:
        print(f"hackgrad {name}: cannot listen on {args.host}:{args.port}: {e.strerror or e}; "
              "try another --port (0 picks a free one)", file=sys.stderr)
        return 1
    if args.host not in LOOPBACK:
        print(f"warning: listening on {args.host}: anyone who can reach it can use the playground "
              "(there is no login)", file=sys.stderr)
    url = server.url + page
    print(f"hackgrad {name} at {url}  (Ctrl-C stops it)", flush=True)
    if not args.no_browser:
        # a terminal browser (lynx via $BROWSER) would block here, so open it beside the server
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    if threading.current_thread() is threading.main_thread():
        # `kill` (SIGTERM) stops it as cleanly as Ctrl-C does: the socket is closed on the way out
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped")
    finally:
        server.server_close()
    return 0
