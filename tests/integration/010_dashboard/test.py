"""The dashboard in headless Chromium: every data center on the map, flows from client
continents, a drain through the page (grey within 2 s, and the DNS answers move), a stopped
backend (red), the explain form against a real query with the same ECS, and reloads that add
and remove data centers. Screenshots go to work/ next to this test in the build tree.
Skips (77) only when Chromium cannot start."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402
from harness import rrset_addresses  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BACKEND = os.path.join(HERE, "..", "lib", "backend.py")
ARTEFACTS = os.path.join(harness.BUILDDIR, "tests", "integration", "010_dashboard", "work")
DASHBOARD = os.path.join(harness.BUILDDIR, "dashboard")
TOKEN = "dashboard-test-token"
ADDRS = {"us-east": {"192.0.2.10"}, "eu-west": {"198.51.100.10", "198.51.100.11"},
         "ap-southeast": {"203.0.113.10"}}
CLIENTS = {"EU": "2.17.0.0/24", "NA": "24.48.0.0/24", "AS": "1.0.16.0/24"}
GREY, RED = "rgb(138, 138, 138)", "rgb(212, 58, 47)"   # style.css --drained, --down
SA_EAST = """  sa-east:
    location: [-23.55, -46.63]
    addresses: [192.0.2.77]
"""

try:
    import browser  # noqa: E402
except ImportError as e:
    print("python3-websocket is missing (scripts/deps.sh installs it): %s" % e)
    sys.exit(1)

work = harness.WorkDir("dashboard")
os.makedirs(ARTEFACTS, exist_ok=True)
mmdb = harness.make_mmdb(os.path.join(HERE, "geo.spec"), work.file("geo.mmdb"))
r = harness.Results()


class Backend(harness.Process):
    def __init__(self, name):
        self.port = harness.free_port()
        super().__init__([sys.executable, BACKEND, "--port", str(self.port),
                          "--status-file", work.file(name + ".status")],
                         work.file(name + ".log"))


backends = {dc: Backend(dc) for dc in ADDRS}
port, ctl_port = harness.free_port(), harness.free_port()
CTL = "http://127.0.0.1:%d" % ctl_port
with open(os.path.join(HERE, "gslbd.yaml.in")) as f:
    template = f.read()


def config(extra_dc="", broken=False):
    text = template.replace("    ttl: 30\n", "    ttl: 0\n") if broken else template
    for k, v in {"@PORT@": port, "@CTL_PORT@": ctl_port, "@MMDB@": mmdb, "@SRCDIR@": HERE,
                 "@TOKEN@": TOKEN, "@DASHBOARD@": DASHBOARD, "@EXTRA_DC@": extra_dc,
                 "@P_US@": backends["us-east"].port, "@P_EU@": backends["eu-west"].port,
                 "@P_AP@": backends["ap-southeast"].port}.items():
        text = text.replace(k, str(v))
    return work.write("gslbd.yaml", text)


srv = harness.Server(config(), port, work.file("gslbd.log"))
ctl = harness.Control(CTL)


def answer_dcs(continent):
    """The data centers whose addresses a query with the continent's ECS gets."""
    got = set(rrset_addresses(srv.query("www.ui.test.", "A", ecs=CLIENTS[continent])))
    return sorted(dc for dc, a in ADDRS.items() if got & a)


def dig_dcs(continent):
    """The same, asked with dig as an operator would."""
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+short", "+tries=1",
                          "+subnet=" + CLIENTS[continent], "www.ui.test.", "A"],
                         capture_output=True, text=True, timeout=10, check=True).stdout
    got = set(out.split())
    return sorted(dc for dc, a in ADDRS.items() if got & a)


def traffic(n=5):
    for cont in CLIENTS:
        for _ in range(n):
            srv.query("www.ui.test.", "A", ecs=CLIENTS[cont])


def marker(dc, what):
    return ("(() => { const m = document.querySelector('circle.dc-marker[data-dc=\"%s\"]');"
            " return m && %s; })()" % (dc, what))


def click(selector):
    b.evaluate("document.querySelector(%r).click()" % selector)


def dc_button(dc, label):
    return b.evaluate("""(() => {
        const bs = document.querySelectorAll('.dc[data-dc="%s"] .actions button');
        const hit = [...bs].find((x) => x.textContent === %r);
        if (!hit) return false;
        hit.click();
        return true; })()""" % (dc, label))


try:
    profile = work.file("chromium")
    os.makedirs(profile)
    b = browser.Browser(profile)
except browser.CannotStart as e:
    print("SKIP: %s" % e)
    sys.exit(77)


def test_render():
    traffic()
    b.navigate(CTL + "/")
    r.equal("GET / lands on the dashboard", b.evaluate("location.pathname"), "/ui/")
    b.wait("document.querySelectorAll('circle.dc-marker').length === 3", 5)
    # The browser's own clock from the request of "/" (the redirect included).
    drawn_ms = b.evaluate("performance.getEntriesByName('gslbd-first-draw')[0].startTime")
    load_ms = b.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    r.check("the page loads in under a second (%.0f ms)" % load_ms, 0 < load_ms < 1000)
    r.check("and shows every marker within 2 s (%.0f ms)" % drawn_ms, drawn_ms < 2000)
    names = b.evaluate("[...document.querySelectorAll('circle.dc-marker')]"
                       ".map((m) => m.dataset.dc).sort()")
    r.equal("a marker per data center of the example", names, sorted(ADDRS))
    r.check("the world is drawn (countries)",
            b.evaluate("document.querySelectorAll('#map-land path.country').length") > 100)
    b.wait("[...document.querySelectorAll('circle.dc-marker')]"
           ".every((m) => m.dataset.state === 'up')", 5)
    r.check("every marker up", True)
    # Markers sit where the projection puts the configured location: Singapore east of Dublin.
    xs = b.evaluate("Object.fromEntries([...document.querySelectorAll('circle.dc-marker')]"
                    ".map((m) => [m.dataset.dc, +m.getAttribute('cx')]))")
    r.check("markers placed west to east", xs["us-east"] < xs["eu-west"] < xs["ap-southeast"],
            xs)
    traffic(10)
    b.wait("document.querySelector('path.flow[data-flow=\"EU>eu-west\"]') !== null &&"
           "document.querySelector('path.flow[data-flow=\"AS>ap-southeast\"]') !== null", 4)
    r.check("flows from client continents to their data centers", True)
    r.check("a data card per data center with its probe",
            b.evaluate("document.querySelectorAll('.dc[data-dc] tr[data-address]').length") == 4)
    r.check("no script errors", not b.console_errors(), b.console_errors())
    b.screenshot(os.path.join(ARTEFACTS, "dashboard.png"))


def test_drain_through_page():
    r.equal("EU clients start on eu-west", answer_dcs("EU")[:1], ["eu-west"])
    r.equal("without a token the actions are hidden",
            b.evaluate("document.body.classList.contains('no-token')"), True)
    b.evaluate("document.getElementById('token').value = %r" % TOKEN)
    click("#token-use")
    r.equal("the token is kept in session storage only",
            b.evaluate("[sessionStorage.getItem('gslbd-token'), localStorage.length,"
                       " document.cookie]"), [TOKEN, 0, ""])
    r.check("drain button found", dc_button("eu-west", "drain"))
    r.check("a confirmation is asked", b.evaluate("document.getElementById('confirm').open"))
    r.equal("nothing happens before it is confirmed",
            [d["admin"] for d in ctl.request("GET", "/status")[1]["datacenters"]
             if d["name"] == "eu-west"], ["none"])
    start = time.time()
    click("#confirm-ok")
    took = b.wait(marker("eu-west", "m.dataset.state === 'drained' && "
                                    "getComputedStyle(m).fill === %r" % GREY), 2.0)
    r.check("the marker is grey within 2 s (%.2f s)" % (time.time() - start), took <= 2.0)
    r.check("EU clients are answered from elsewhere", "eu-west" not in answer_dcs("EU"),
            answer_dcs("EU"))
    b.screenshot(os.path.join(ARTEFACTS, "drained.png"))
    dc_button("eu-west", "undrain")
    click("#confirm-ok")
    b.wait(marker("eu-west", "m.dataset.state === 'up'"), 2.0)
    r.equal("undrained through the page: EU clients back", answer_dcs("EU")[:1], ["eu-west"])
    # A cancelled action does nothing.
    dc_button("eu-west", "drain")
    click("#confirm-cancel")
    time.sleep(1.2)
    r.equal("cancel leaves the data center alone",
            b.evaluate(marker("eu-west", "m.dataset.state")), "up")
    # A wrong token is refused and the page says so.
    b.evaluate("sessionStorage.setItem('gslbd-token', 'wrong-token')")
    dc_button("eu-west", "drain")
    click("#confirm-ok")
    b.wait("document.getElementById('message').className === 'error'", 2.0)
    r.check("a wrong token is refused", "bearer token" in b.evaluate(
        "document.getElementById('message').textContent"))
    b.evaluate("sessionStorage.setItem('gslbd-token', %r)" % TOKEN)


def test_backend_down():
    backends["us-east"].stop()
    took = b.wait(marker("us-east", "m.dataset.state === 'down' && "
                                    "getComputedStyle(m).fill === %r" % RED), 5.0)
    r.check("a stopped backend turns its marker red (%.2f s)" % took, True)
    r.check("NA clients are answered from elsewhere", "us-east" not in answer_dcs("NA"))
    r.equal("its probe row says why",
            b.evaluate("document.querySelector('.dc[data-dc=\"us-east\"] td.down') !== null"),
            True)
    b.screenshot(os.path.join(ARTEFACTS, "backend-down.png"))
    # An action on one address, from its row.
    def row_action(address, action):
        return b.evaluate("""(() => {
            const row = document.querySelector('.dc[data-dc="eu-west"] tr[data-address="%s"]');
            row.querySelector('select').value = %r;
            row.querySelector('button').click();
            return true; })()""" % (address, action))

    clicked = row_action("198.51.100.10", "force-down")
    click("#confirm-ok")
    b.wait(marker("eu-west", "m.dataset.state === 'partial'"), 2.0)
    r.check("forcing one address down from its row: partly down", clicked)
    r.equal("...and only the other address answers",
            sorted(rrset_addresses(srv.query("www.ui.test.", "A", ecs=CLIENTS["EU"]))),
            ["198.51.100.11"])
    row_action("198.51.100.10", "clear")
    click("#confirm-ok")
    b.wait(marker("eu-west", "m.dataset.state === 'up'"), 2.0)


def test_explain():
    for cont in ("EU", "NA", "AS"):
        b.evaluate("document.getElementById('explain-name').value = 'www.ui.test.'")
        b.evaluate("document.getElementById('explain-client').value = %r" % CLIENTS[cont])
        b.evaluate("document.getElementById('explain-chosen') &&"
                   " document.getElementById('explain-chosen').remove()")
        click("#explain-form button[type=submit]")
        b.wait("document.getElementById('explain-chosen') !== null", 3)
        shown = b.evaluate("document.getElementById('explain-chosen').textContent")
        dcs = dig_dcs(cont)
        r.equal("explain for %s shows the data centers of a dig with the same ECS" % cont,
                sorted(shown.replace("chosen: ", "").split(", ")), dcs)
        highlighted = sorted(b.evaluate("[...document.querySelectorAll('circle.dc-marker.chosen')]"
                                        ".map((m) => m.dataset.dc)"))
        r.equal("explain for %s highlights exactly those on the map" % cont, highlighted, dcs)
    b.screenshot(os.path.join(ARTEFACTS, "explain.png"))


def test_reload_adds_and_removes():
    config(SA_EAST)
    status, _ = ctl.request("POST", "/reload", token=TOKEN)
    r.equal("reload with a fourth data center", status, 200)
    b.wait("document.querySelectorAll('circle.dc-marker').length === 4 &&"
           "document.querySelector('.dc[data-dc=\"sa-east\"]') !== null", 3)
    r.check("the new data center appears without reloading the page", True)
    config(SA_EAST, broken=True)
    status, _ = ctl.request("POST", "/reload", token=TOKEN)
    r.equal("a broken file is refused", status, 422)
    b.wait("document.getElementById('reload-state').textContent === 'last reload failed' &&"
           "document.getElementById('reload-state').title.includes('ttl must be')", 3)
    r.check("the page says the last reload failed, with the errors", True)
    r.equal("and keeps showing the serving data centers",
            b.evaluate("document.querySelectorAll('circle.dc-marker').length"), 4)
    config("")
    status, _ = ctl.request("POST", "/reload", token=TOKEN)
    b.wait("document.getElementById('reload-state').textContent === '' &&" "document.querySelectorAll('circle.dc-marker').length === 3 &&"
           "document.querySelector('.dc[data-dc=\"sa-east\"]') === null", 3)
    r.check("and goes away when removed", True)
    b.navigate(CTL + "/ui/")
    b.wait("document.querySelectorAll('circle.dc-marker').length === 3", 3)
    r.check("a page reload shows the same", True)
    r.check("no script errors at the end", not b.console_errors(), b.console_errors())


r.run("render", test_render)
r.run("drain through the page", test_drain_through_page)
r.run("backend down", test_backend_down)
r.run("explain", test_explain)
r.run("reload", test_reload_adds_and_removes)
b.stop()
srv.stop()
r.finish()
