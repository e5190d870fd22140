"""Process plumbing shared by the Authlib peer servers (authlib_oauth{1,2}_server.py).

`serve(app)` binds 127.0.0.1 on a free port, prints `LISTENING <port>` (the one stdout line the
Rust tests read), then serves until SIGTERM or until stdin reaches EOF, so a server whose test
died never outlives it. Request logs go to stderr only with INTEROP_PEER_LOG=1.
"""

import os
import signal
import sys
import threading

from werkzeug.serving import WSGIRequestHandler, make_server


class QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        if os.environ.get("INTEROP_PEER_LOG") == "1":
            super().log_request(*args, **kwargs)


def _exit_on_stdin_eof():
    try:
        while os.read(0, 65536):
            pass
    except OSError:
        pass
    os._exit(0)


def _on_sigterm(signum, frame):
    sys.exit(0)


def serve(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    signal.signal(signal.SIGTERM, _on_sigterm)
    threading.Thread(target=_exit_on_stdin_eof, name="stdin-eof", daemon=True).start()
    sys.stdout.write(f"LISTENING {httpd.server_port}\n")
    sys.stdout.flush()
    try:
        httpd.serve_forever()
    finally:
        httpd.server_close()
