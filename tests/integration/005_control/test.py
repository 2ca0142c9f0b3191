"""The control endpoint end to end: /metrics, /status, /explain, admin actions with the token,
reloads (good and bad files, SIGHUP), overrides kept across reloads and restarts (and a damaged
state file), and gslbctl."""
import json
import ipaddress
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402
from harness import ecs_scope, rrset_addresses  # noqa: E402


HERE = os.path.dirname(os.path.abspath(__file__))
GSLBCTL = os.path.join(harness.BUILDDIR, "src", "gslbctl", "gslbctl")
TOKEN = "t0ken-for-the-control-test"
EU = ["198.51.100.10", "198.51.100.11"]
EU2 = ["198.51.100.20", "198.51.100.21"]
US = ["192.0.2.10"]
EU_CLIENT = "2.17.0.0/24"

work = harness.WorkDir("control")
mmdb = harness.make_mmdb(os.path.join(HERE, "geo.spec"), work.file("geo.mmdb"))
token_file = work.write("control.token", TOKEN + "\n")
os.chmod(token_file, 0o600)
state_file = work.file("state.json")
port = harness.free_port()
ctl_port = harness.free_port()
CTL = "http://127.0.0.1:%d" % ctl_port
with open(os.path.join(HERE, "gslbd.yaml.in")) as f:
    template = f.read()


def config(eu_addrs, broken=False):
    text = template
    for k, v in {"@PORT@": port, "@CTL_PORT@": ctl_port, "@MMDB@": mmdb, "@SRCDIR@": HERE,
                 "@TOKEN_FILE@": token_file, "@STATE_FILE@": state_file,
                 "@EU_ADDRS@": ", ".join(eu_addrs)}.items():
        text = text.replace(k, str(v))
    if broken:
        text = text.replace("    ttl: 30\n", "    ttl: 0\n")
    return work.write("gslbd.yaml", text)


ctl = harness.Control(CTL)


def http(method, path, token=None):
    """(status, parsed JSON or text) of one request."""
    return ctl.request(method, path, token=token)


metrics = ctl.metrics


def sample(m, name, **labels):
    return m.get((name, frozenset(labels.items())), 0.0)


def www():
    return rrset_addresses(srv.query("www.ctl.test.", "A", ecs=EU_CLIENT))


def gslbctl(*args, env_token=None):
    env = dict(os.environ)
    env.pop("GSLBCTL_TOKEN", None)
    if env_token is not None:
        env["GSLBCTL_TOKEN"] = env_token
    return subprocess.run([GSLBCTL, "--server", "127.0.0.1:%d" % ctl_port] + list(args),
                          capture_output=True, text=True, timeout=20, env=env)


srv = harness.Server(config(EU), port, work.file("gslbd.log"))
r = harness.Results()


def test_metrics():
    before = metrics()
    for _ in range(5):
        srv.query("www.ctl.test.", "A", ecs=EU_CLIENT)
    srv.query("static.ctl.test.", "MX")
    srv.query("nothere.ctl.test.", "A", tcp=True)
    after = metrics()
    r.check("metrics parse as Prometheus text", len(after) > 50, len(after))
    r.equal("udp A queries moved by 5",
            sample(after, "gslbd_queries_total", transport="udp", qtype="A") -
            sample(before, "gslbd_queries_total", transport="udp", qtype="A"), 5.0)
    r.equal("udp MX queries moved by 1",
            sample(after, "gslbd_queries_total", transport="udp", qtype="MX") -
            sample(before, "gslbd_queries_total", transport="udp", qtype="MX"), 1.0)
    r.equal("tcp NXDOMAIN responses moved by 1",
            sample(after, "gslbd_responses_total", transport="tcp", rcode="NXDOMAIN") -
            sample(before, "gslbd_responses_total", transport="tcp", rcode="NXDOMAIN"), 1.0)
    r.equal("service answers moved by 5",
            sample(after, "gslbd_service_answers_total", service="www.ctl.test.") -
            sample(before, "gslbd_service_answers_total", service="www.ctl.test."), 5.0)
    r.equal("eu-west answers moved by 5",
            sample(after, "gslbd_datacenter_answers_total", datacenter="eu-west") -
            sample(before, "gslbd_datacenter_answers_total", datacenter="eu-west"), 5.0)
    r.equal("answers to European clients moved by 5",
            sample(after, "gslbd_client_continent_answers_total", continent="EU") -
            sample(before, "gslbd_client_continent_answers_total", continent="EU"), 5.0)
    r.equal("European clients sent to eu-west moved by 5, and to us-east by none",
            [sample(after, "gslbd_client_continent_datacenter_answers_total", continent="EU",
                    datacenter=dc) -
             sample(before, "gslbd_client_continent_datacenter_answers_total", continent="EU",
                    datacenter=dc) for dc in ("eu-west", "us-east")], [5.0, 0.0])
    r.check("ECS-present counter moved",
            sample(after, "gslbd_ecs_queries_total", ecs="present") >
            sample(before, "gslbd_ecs_queries_total", ecs="present"))
    r.equal("resource probe state exported (unprobed = 1)",
            sample(after, "gslbd_resource_probe_up", datacenter="us-east", address="192.0.2.10",
                   probe="none"), 1.0)
    r.equal("configured weight exported",
            sample(after, "gslbd_datacenter_configured_weight", datacenter="us-east"), 100.0)
    r.equal("generation 1 at start", sample(after, "gslbd_config_generation"), 1.0)


def test_status_and_explain():
    status, st = http("GET", "/status")
    r.equal("status: 200", status, 200)
    r.equal("status: zone serial", [(z["origin"], z["serial"]) for z in st["zones"]],
            [("ctl.test.", 7)])
    r.equal("status: data centers", [d["name"] for d in st["datacenters"]],
            ["eu-west", "us-east"])
    r.equal("status: data center locations", [d["location"] for d in st["datacenters"]],
            [[53.35, -6.26], [39.04, -77.49]])
    trees = st["geoip"]["decision_trees"] if st.get("geoip") else []
    r.equal("status: one decision tree per map, and the continents'",
            [(t["kind"], t["name"]) for t in trees], [("map", "world"), ("continents", "")])
    r.check("status: tree figures", all(t["results"] >= 1 and t["leaves_ipv4"] >= 1 and
                                        t["leaves_ipv6"] >= 1 and t["bytes"] > 0 and
                                        t["build_ms"] >= 0 for t in trees), trees)
    r.check("status: records read", st["geoip"]["records"] >= 1 and
            st["geoip"]["read_ms"] >= 0, st["geoip"])
    status, ex = http("GET", "/explain?name=www.ctl.test.&client=" + EU_CLIENT)
    r.equal("explain: 200", status, 200)
    m = srv.query("www.ctl.test.", "A", ecs=EU_CLIENT)
    d = ex["decision"]
    r.equal("explain: map rule", (d["match"]["rule"], d["match"]["key"]), ("continent", "EU"))
    r.equal("explain: candidate order", [c["datacenter"] for c in d["candidates"]],
            ["eu-west", "us-east"])
    r.equal("explain: geoip network", d["geoip"]["network"], "2.16.0.0/13")
    r.equal("explain: decision agrees with the real answer", sorted(d["records"]),
            rrset_addresses(m))
    resp_addrs = sorted(x.split()[-1] for x in ex["response"]["answer"])
    r.equal("explain: response agrees with the real answer", resp_addrs, rrset_addresses(m))
    r.equal("explain: ECS scope agrees", (d["ecs_scope"], ex["response"]["ecs_scope"]),
            (ecs_scope(m), ecs_scope(m)))
    r.equal("explain: TTL agrees", d["ttl"], m.answer[0].ttl)
    leaf = ipaddress.ip_network(d["leaf"])
    r.equal("explain: the leaf's prefix is the ECS scope", leaf.prefixlen, ecs_scope(m))
    r.check("explain: the leaf holds the client",
            ipaddress.ip_network(EU_CLIENT, strict=False).network_address in leaf, d["leaf"])
    status, ex = http("GET", "/explain?name=static.ctl.test.&client=192.0.2.1")
    r.check("explain: a static name has no decision, just the response",
            status == 200 and ex["decision"] is None and
            ex["response"]["answer"][0].endswith("192.0.2.200"), ex)
    status, _ = http("GET", "/explain?name=www.ctl.test.&client=not-an-ip")
    r.equal("explain: bad client is 400", status, 400)


def test_admin():
    status, _ = http("POST", "/datacenters/eu-west/drain")
    r.equal("drain without a token: 401", status, 401)
    status, _ = http("POST", "/datacenters/eu-west/drain", token="wrong-token-123")
    r.equal("drain with a wrong token: 401", status, 401)
    status, _ = http("POST", "/reload")
    r.equal("reload without a token: 401", status, 401)
    r.equal("before drain: eu-west answers", www(), EU)
    status, _ = http("POST", "/datacenters/eu-west/drain", token=TOKEN)
    r.equal("drain: 200", status, 200)
    r.equal("drain moves the very next answer to us-east", www(), US)
    status, _ = http("POST", "/datacenters/nowhere/drain", token=TOKEN)
    r.equal("drain of an unknown data center: 404", status, 404)
    status, _ = http("POST", "/datacenters/eu-west/undrain", token=TOKEN)
    r.equal("undrain: eu-west answers again", www(), EU)
    http("POST", "/resources/eu-west/198.51.100.10/force-down", token=TOKEN)
    r.equal("force-down one resource: the other answers", www(), ["198.51.100.11"])
    http("POST", "/resources/eu-west/198.51.100.10/clear", token=TOKEN)
    r.equal("clear the resource", www(), EU)
    before = sample(metrics(), "gslbd_service_all_down_answers_total", service="www.ctl.test.")
    www()
    r.equal("no all-down answers while a site is up",
            sample(metrics(), "gslbd_service_all_down_answers_total", service="www.ctl.test."),
            before)
    for dc in ("eu-west", "us-east"):
        http("POST", "/datacenters/%s/force-down" % dc, token=TOKEN)
    www()
    www()
    r.equal("every site forced down: answers counted as all down",
            sample(metrics(), "gslbd_service_all_down_answers_total", service="www.ctl.test.") -
            before, 2.0)
    for dc in ("eu-west", "us-east"):
        http("POST", "/datacenters/%s/clear" % dc, token=TOKEN)
    r.equal("cleared: eu-west answers", www(), EU)
    status, j = http("POST", "/datacenters/us-east/weight?value=7", token=TOKEN)
    m = metrics()
    r.equal("weight set at run time", (status, j.get("weight")), (200, 7))
    r.equal("effective weight exported",
            (sample(m, "gslbd_datacenter_effective_weight", datacenter="us-east"),
             sample(m, "gslbd_datacenter_configured_weight", datacenter="us-east")), (7.0, 100.0))
    http("POST", "/datacenters/us-east/weight", token=TOKEN)
    r.equal("weight reset to the configured one",
            sample(metrics(), "gslbd_datacenter_effective_weight", datacenter="us-east"), 100.0)


def test_gslbctl():
    p = gslbctl("status")
    r.check("gslbctl status prints the data centers",
            p.returncode == 0 and "eu-west" in p.stdout and "DATACENTER" in p.stdout, p)
    p = gslbctl("explain", "www.ctl.test.", EU_CLIENT)
    r.check("gslbctl explain prints the decision",
            p.returncode == 0 and "continent EU" in p.stdout and "chosen" in p.stdout, p)
    p = gslbctl("drain", "eu-west")
    r.check("gslbctl drain without a token fails", p.returncode != 0 and "401" in p.stderr, p)
    p = gslbctl("--token-file", token_file, "drain", "eu-west")
    r.check("gslbctl drain with --token-file", p.returncode == 0, p)
    r.equal("gslbctl drain moved the answer", www(), US)
    p = gslbctl("undrain", "eu-west", env_token=TOKEN)
    r.check("gslbctl undrain with GSLBCTL_TOKEN", p.returncode == 0, p)
    r.equal("gslbctl undrain brought it back", www(), EU)
    p = gslbctl("--json", "status")
    r.check("gslbctl --json status is the endpoint's JSON",
            p.returncode == 0 and json.loads(p.stdout)["generation"] >= 1, p)


def test_reload():
    config(EU, broken=True)
    status, j = http("POST", "/reload", token=TOKEN)
    r.equal("bad reload: 422", status, 422)
    want = "%s:29:10: error: service 'www.ctl.test.': ttl must be 1..86400 (got 0)" % \
        work.file("gslbd.yaml")
    r.check("bad reload reports file:line:col", want in j["messages"], j)
    r.equal("bad reload keeps the old answers", www(), EU)
    m = metrics()
    r.check("after a failed reload its time is past the last success",
            sample(m, "gslbd_last_reload_failure_timestamp_seconds") >
            sample(m, "gslbd_last_reload_success_timestamp_seconds") > 0, m)
    st = http("GET", "/status")[1]["reloads"]
    r.check("status: last failure after last success",
            st["last_failure"] is not None and st["last_failure"] > st["last_success"], st)
    p = gslbctl("--token", TOKEN, "reload")
    r.check("gslbctl reload shows the errors and fails",
            p.returncode != 0 and ":29:10: error:" in p.stderr, p)
    http("POST", "/datacenters/us-east/drain", token=TOKEN)
    config(EU2)
    status, j = http("POST", "/reload", token=TOKEN)
    r.check("good reload: 200 with a new generation", status == 200 and j["ok"], j)
    r.equal("good reload changes the answers", www(), EU2)
    m = metrics()
    r.check("a good reload puts the last success after the failure",
            sample(m, "gslbd_last_reload_success_timestamp_seconds") >
            sample(m, "gslbd_last_reload_failure_timestamp_seconds") > 0, m)
    status, st = http("GET", "/status")
    us = [d for d in st["datacenters"] if d["name"] == "us-east"][0]
    r.equal("the drain survived the reload", us["admin"], "drain")
    m = metrics()
    r.check("reload counters", sample(m, "gslbd_reloads_total") >= 1 and
            sample(m, "gslbd_reload_failures_total") >= 2, m.get(("gslbd_reloads_total",
                                                                  frozenset())))
    config(EU)
    gen = st["generation"]
    srv.signal(signal.SIGHUP)
    deadline = time.time() + 5
    while time.time() < deadline and www() != EU:
        time.sleep(0.05)
    r.equal("SIGHUP reloads too", www(), EU)
    with open(state_file) as f:
        saved = json.load(f)
    r.equal("state file holds the drain", saved["datacenters"].get("us-east"), {"admin": "drain"})
    _, st = http("GET", "/status")
    r.check("generation moved on SIGHUP", st["generation"] > gen, st["generation"])


def test_restart():
    global srv
    srv.stop()
    srv = harness.Server(config(EU), port, work.file("gslbd-2.log"))
    _, st = http("GET", "/status")
    us = [d for d in st["datacenters"] if d["name"] == "us-east"][0]
    r.equal("the drain survived a restart (state file)", us["admin"], "drain")
    http("POST", "/datacenters/eu-west/drain", token=TOKEN)
    r.equal("everything drained: NODATA, even failing open",
            (srv.query("www.ctl.test.", "A", ecs=EU_CLIENT).answer), [])
    http("POST", "/datacenters/eu-west/clear", token=TOKEN)
    http("POST", "/datacenters/us-east/clear", token=TOKEN)
    with open(state_file) as f:
        saved = json.load(f)
    r.equal("state file empty after clearing", saved["datacenters"], {})


def test_damaged_state_file():
    global srv
    _, st = http("GET", "/status")
    r.equal("status: a clean start, no recovery",
            st["state_file"], {"path": state_file, "recovered_from_previous": False,
                               "damaged": False, "error": None})
    http("POST", "/datacenters/eu-west/drain", token=TOKEN)
    # A second change, so that the previous copy holds the drain.
    http("POST", "/datacenters/us-east/weight?value=7", token=TOKEN)
    with open(state_file + ".prev") as f:
        r.equal("the previous copy holds the state before the last change",
                json.load(f)["datacenters"], {"eu-west": {"admin": "drain"}})
    srv.stop()
    with open(state_file, "rb") as f:
        text = f.read()
    with open(state_file, "wb") as f:
        f.write(text[:len(text) // 2])
    log = work.file("gslbd-3.log")
    srv = harness.Server(config(EU), port, log)
    r.equal("damaged state file: the drain survived (previous copy)", www(), US)
    _, st = http("GET", "/status")
    sf = st["state_file"]
    r.check("status shows the recovery and the parse error with line:column",
            sf["recovered_from_previous"] and not sf["damaged"] and
            sf["error"].startswith(state_file + ":"), sf)
    us = [d for d in st["datacenters"] if d["name"] == "us-east"][0]
    r.equal("the last change before the damage is lost (one save behind)",
            us["effective_weight"], 100)
    m = metrics()
    r.equal("metric: recovered", (sample(m, "gslbd_state_file_recovered"),
                                  sample(m, "gslbd_state_file_damaged")), (1.0, 0.0))
    with open(log) as f:
        logged = f.read()
    r.check("the log says so at error level, naming both files",
            "error: ctl: state file damaged (%s:" % state_file in logged and
            "restored from the previous copy '%s.prev'" % state_file in logged, logged)
    with open(state_file + ".damaged", "rb") as f:
        r.equal("the damaged file is kept aside", f.read(), text[:len(text) // 2])
    http("POST", "/datacenters/eu-west/clear", token=TOKEN)
    with open(state_file) as f:
        r.equal("the next save writes a good state file", json.load(f)["datacenters"], {})
    with open(state_file + ".damaged", "rb") as f:
        r.equal("...and leaves the damaged copy alone", f.read(), text[:len(text) // 2])


r.run("metrics", test_metrics)
r.run("status and explain", test_status_and_explain)
r.run("admin actions", test_admin)
r.run("gslbctl", test_gslbctl)
r.run("reload", test_reload)
r.run("restart", test_restart)
r.run("damaged state file", test_damaged_state_file)
srv.stop()
r.finish()
