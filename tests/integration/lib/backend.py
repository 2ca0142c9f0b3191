"""A small HTTP(S) backend for health-probe tests, listening on a loopback address.

GET /health answers with the status written in --status-file (default 200) and a body
of "OK" (or "DEGRADED" when the status file says "200 degraded"). With --load-file, GET
/load answers 200 with {"utilisation": FIGURE}, FIGURE read from that file (for the load
feed of dynamic steering). Exits on SIGTERM.
"""
import argparse
import http.server
import os
import ssl


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--status-file", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--load-file")
    args = ap.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/load" and args.load_file:
                with open(args.load_file) as f:
                    figure = f.read().strip()
                data = ('{"utilisation": %s}\n' % figure).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            status, body = 200, "OK"
            if os.path.exists(args.status_file):
                with open(args.status_file) as f:
                    words = f.read().split()
                if words:
                    status = int(words[0])
                if len(words) > 1:
                    body = words[1].upper()
            data = (body + "\n").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt, *a):
            pass

    srv = http.server.ThreadingHTTPServer((args.address, args.port), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
