"""The dashboard's static files over the control endpoint, without a browser: redirects,
content types, cache validators, HEAD, and no way out of the dashboard directory."""
import hashlib
import http.client
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BUILT = os.path.join(harness.BUILDDIR, "dashboard")
TOKEN = "dashboard-files-token"
SECRET = "not-for-the-browser"

work = harness.WorkDir("dashboard-files")
mmdb = harness.make_mmdb(os.path.join(HERE, "geo.spec"), work.file("geo.mmdb"))
# The served directory, with a file next to it (and a non-dashboard file in it) that
# must never be served.
dash = work.file("dash")
shutil.copytree(BUILT, dash)
work.write("secret.json", '{"secret": "%s"}\n' % SECRET)
work.write("dash/notes.conf", SECRET + "\n")
work.write("dash/.hidden.js", SECRET + "\n")
port, ctl_port = harness.free_port(), harness.free_port()
with open(os.path.join(HERE, "gslbd.yaml.in")) as f:
    template = f.read()


def config(dashboard):
    text = template
    for k, v in {"@PORT@": port, "@CTL_PORT@": ctl_port, "@MMDB@": mmdb, "@SRCDIR@": HERE,
                 "@TOKEN@": TOKEN, "@DASHBOARD@": dashboard, "@EXTRA_DC@": "",
                 "@P_US@": 9, "@P_EU@": 9, "@P_AP@": 9}.items():
        text = text.replace(k, str(v))
    return work.write("gslbd.yaml", text)


srv = harness.Server(config(dash), port, work.file("gslbd.log"))
ctl = harness.Control("http://127.0.0.1:%d" % ctl_port)
r = harness.Results()


def get(path, method="GET", headers=None):
    """(status, headers, body) of one request with path sent exactly as given."""
    c = http.client.HTTPConnection("127.0.0.1", ctl_port, timeout=10)
    c.request(method, path, headers=headers or {})
    resp = c.getresponse()
    body = resp.read()
    c.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def file_bytes(rel):
    with open(os.path.join(dash, rel), "rb") as f:
        return f.read()


def test_redirects_and_types():
    for path in ("/", "/ui"):
        status, h, _ = get(path)
        r.equal("GET %s redirects to /ui/" % path, (status, h.get("location"), h.get("content-type")),
                (302, "/ui/", "text/plain; charset=utf-8"))
    for path, rel, ctype in (
            ("/ui/", "index.html", "text/html; charset=utf-8"),
            ("/ui/index.html", "index.html", "text/html; charset=utf-8"),
            ("/ui/app.js", "app.js", "text/javascript; charset=utf-8"),
            ("/ui/style.css", "style.css", "text/css; charset=utf-8"),
            ("/ui/vendor/d3-geo.min.js", "vendor/d3-geo.min.js", "text/javascript; charset=utf-8"),
            ("/ui/vendor/countries-110m.json", "vendor/countries-110m.json", "application/json"),
            ("/ui/vendor/LICENSE.world-atlas.txt", "vendor/LICENSE.world-atlas.txt",
             "text/plain; charset=utf-8")):
        status, h, body = get(path)
        r.equal("GET %s: 200, %s" % (path, ctype), (status, h.get("content-type")), (200, ctype))
        r.check("GET %s: the file's bytes" % path,
                hashlib.sha256(body).digest() == hashlib.sha256(file_bytes(rel)).digest())
        r.equal("GET %s: revalidated on each load, never sniffed" % path,
                (h.get("cache-control"), h.get("x-content-type-options")), ("no-cache", "nosniff"))
    status, h, _ = get("/ui/")
    r.check("the page may load only its own files",
            h.get("content-security-policy", "").startswith("default-src 'self'"), h)
    r.check("no token needed to read", status == 200)


def test_validators_and_head():
    status, h, body = get("/ui/app.js")
    etag = h.get("etag")
    r.check("an ETag", etag is not None and etag.startswith('"'), h)
    status, h2, body2 = get("/ui/app.js", headers={"If-None-Match": etag})
    r.equal("an unchanged file is 304 without a body", (status, body2), (304, b""))
    status, _, body3 = get("/ui/app.js", headers={"If-None-Match": '"other"'})
    r.equal("another validator gets the file", (status, len(body3)), (200, len(body)))
    status, h, body = get("/ui/app.js", method="HEAD")
    r.equal("HEAD: headers, no body", (status, h.get("content-type"), body),
            (200, "text/javascript; charset=utf-8", b""))
    # A changed file gets a new validator.
    with open(os.path.join(dash, "style.css"), "a") as f:
        f.write("/* changed */\n")
    _, ha, _ = get("/ui/style.css")
    os.utime(os.path.join(dash, "style.css"), (1, 1))
    _, hb, _ = get("/ui/style.css")
    r.check("a changed file gets a new ETag", ha["etag"] != hb["etag"], (ha, hb))


def test_no_way_out():
    for path in ("/ui/../secret.json", "/ui/%2e%2e/secret.json", "/ui/..%2fsecret.json",
                 "/ui/vendor/..%2f..%2fsecret.json", "/ui/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
                 "/ui/vendor/../../secret.json", "/ui//../secret.json", "/ui/.hidden.js",
                 "/ui/notes.conf", "/ui/./index.html", "/ui/app.js%00.html",
                 "/ui/%5c..%5csecret.json", "/ui/a/b/c/d.js", "/ui/vendor"):
        status, h, body = get(path)
        r.check("%s: 404 and nothing of the file" % path,
                status == 404 and SECRET.encode() not in body and b"root:" not in body,
                (status, body[:200]))
    status, _, _ = get("/ui/app.js", method="POST")
    r.check("POST on a dashboard file does nothing", status in (404, 405), status)


def test_missing_directory():
    config(work.file("nowhere"))
    status, _ = ctl.request("POST", "/reload", token=TOKEN)
    r.equal("reload to a missing dashboard directory", status, 200)
    status, _, body = get("/ui/")
    r.check("the page says where it was looked for",
            status == 404 and work.file("nowhere").encode() in body, (status, body))
    status, _, _ = get("/status")
    r.equal("the API still answers", status, 200)


r.run("redirects and types", test_redirects_and_types)
r.run("validators and HEAD", test_validators_and_head)
r.run("no way out", test_no_way_out)
r.run("missing directory", test_missing_directory)
srv.stop()
r.finish()
