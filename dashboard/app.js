// gslbd's dashboard: polls /status and /metrics once a second and draws the map, the data
// centers and their probes; runs /explain; sends admin actions with the token.
"use strict";

const POLL_MS = 1000;
const WINDOW_S = 60;          // marker sizes and flows: answers over the last minute
const SPARK_POINTS = 60;      // one point a second
const TOKEN_KEY = "gslbd-token";
// Where flows start: a point inside each continent (longitude, latitude).
const CONTINENTS = {
    AF: [20, 5], AN: [0, -78], AS: [95, 35], EU: [15, 50],
    NA: [-100, 42], OC: [140, -25], SA: [-60, -15],
};

const projection = d3.geoNaturalEarth1().fitExtent([[5, 5], [955, 475]], {type: "Sphere"});
const geoPath = d3.geoPath(projection);
const SVG_NS = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

let samples = [];             // [{t, dc: {name: answers}, flow: {"EU>eu-west": answers}}]
let history = new Map();      // dc name -> {rate: [], util: []}
let lastStatus = null;
let chosen = new Set();       // data centers the last explain chose

function el(tag, attrs, text) {
    const e = tag.startsWith("svg:") ? document.createElementNS(SVG_NS, tag.slice(4))
                                     : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
        e.setAttribute(k, v);
    }
    if (text !== undefined) {
        e.textContent = text;
    }
    return e;
}

function message(text, isError) {
    $("message").textContent = text;
    $("message").className = isError ? "error" : "";
}

// ---- the map ----

async function drawLand() {
    const world = await (await fetch("vendor/countries-110m.json")).json();
    const land = $("map-land");
    land.appendChild(el("svg:path", {class: "graticule", d: geoPath(d3.geoGraticule10())}));
    for (const f of topojson.feature(world, world.objects.countries).features) {
        land.appendChild(el("svg:path", {class: "country", d: geoPath(f)}));
    }
}

// up, partial, down, drained or forced, from a data center in /status.
function dcState(dc) {
    if (dc.admin === "drain") {
        return "drained";
    }
    if (dc.admin === "force-up" || dc.admin === "force-down") {
        return "forced";
    }
    const fams = [dc.up_ipv4, dc.up_ipv6].filter((v) => v !== null);
    const famsUp = fams.filter((v) => v).length;
    if (famsUp === 0) {
        return "down";
    }
    const resDown = dc.resources.filter((r) => !r.up).length;
    return famsUp < fams.length || resDown > 0 ? "partial" : "up";
}

// Answers per data center and per continent -> data center over the window.
function windowCounts() {
    const out = {dc: {}, flow: {}, total: 0};
    if (samples.length < 2) {
        return out;
    }
    const a = samples[0], b = samples[samples.length - 1];
    for (const [k, v] of Object.entries(b.dc)) {
        out.dc[k] = Math.max(0, v - (a.dc[k] || 0));
        out.total += out.dc[k];
    }
    for (const [k, v] of Object.entries(b.flow)) {
        out.flow[k] = Math.max(0, v - (a.flow[k] || 0));
    }
    return out;
}

function drawMap(status) {
    const counts = windowCounts();
    const flows = $("map-flows");
    flows.replaceChildren();
    const located = new Map(status.datacenters.filter((d) => d.location)
                                              .map((d) => [d.name, d.location]));
    const flowTotal = Object.values(counts.flow).reduce((s, v) => s + v, 0);
    for (const [key, n] of Object.entries(counts.flow)) {
        const [cont, dc] = key.split(">");
        if (n === 0 || !CONTINENTS[cont] || !located.has(dc)) {
            continue;
        }
        const [lat, lon] = located.get(dc);
        const line = {type: "LineString", coordinates: [CONTINENTS[cont], [lon, lat]]};
        const p = el("svg:path", {class: "flow", d: geoPath(line), "data-flow": key,
                                  "stroke-width": (1 + 7 * n / flowTotal).toFixed(1)});
        p.appendChild(el("svg:title", {}, `${cont} → ${dc}: ${n} answers in the last minute`));
        flows.appendChild(p);
    }
    const g = $("map-dcs");
    g.replaceChildren();
    for (const dc of status.datacenters) {
        if (!dc.location) {
            continue;
        }
        const [x, y] = projection([dc.location[1], dc.location[0]]);
        const share = counts.total > 0 ? (counts.dc[dc.name] || 0) / counts.total : 0;
        const state = dcState(dc);
        const c = el("svg:circle", {
            class: `dc-marker state-${state}` + (chosen.has(dc.name) ? " chosen" : ""),
            cx: x.toFixed(1), cy: y.toFixed(1), r: (5 + 22 * Math.sqrt(share)).toFixed(1),
            "data-dc": dc.name, "data-state": state, "data-share": share.toFixed(3),
        });
        c.appendChild(el("svg:title", {},
                         `${dc.name}: ${state}, ${(100 * share).toFixed(0)}% of answers`));
        g.appendChild(c);
        g.appendChild(el("svg:text", {class: "dc-label", x: (x + 10).toFixed(1),
                                      y: (y - 8).toFixed(1)}, dc.name));
    }
}

// ---- the data centers ----

function spark(values, max) {
    const svg = el("svg:svg", {class: "spark", viewBox: "0 0 160 28", preserveAspectRatio: "none"});
    const top = Math.max(max || 0, ...values, 1e-9);
    const pts = values.map((v, i) => `${(i * 160 / (SPARK_POINTS - 1)).toFixed(1)},` +
                                     `${(27 - 26 * v / top).toFixed(1)}`);
    svg.appendChild(el("svg:polyline", {points: pts.join(" ")}));
    return svg;
}

function actionButton(label, path, confirmText) {
    const b = el("button", {type: "button"}, label);
    b.addEventListener("click", () => act(path, confirmText));
    return b;
}

function dcCard(dc) {
    const state = dcState(dc);
    const card = el("div", {class: "dc" + (chosen.has(dc.name) ? " chosen" : ""),
                            "data-dc": dc.name});
    const head = el("div", {class: "dc-head"});
    head.appendChild(el("h3", {}, dc.name));
    head.appendChild(el("span", {class: `badge state-${state}`}, state));
    const st = dc.steering;
    let figures = `weight ${dc.effective_weight}/${dc.configured_weight}`;
    if (dc.admin !== "none") {
        figures += ` · override ${dc.admin}`;
    }
    if (st) {
        figures += st.stale ? " · load STALE" :
            ` · utilisation ${st.utilisation === null ? "–" : st.utilisation.toFixed(2)}` +
            ` (target ${st.target}) · shed ${(100 * st.shed_fraction).toFixed(0)}%`;
    }
    head.appendChild(el("span", {class: "figures"}, figures));
    card.appendChild(head);

    const h = history.get(dc.name) || {rate: [], util: []};
    const sparks = el("div", {class: "sparks"});
    const rate = el("div", {}, `answers/s ${(h.rate[h.rate.length - 1] || 0).toFixed(1)}`);
    rate.appendChild(spark(h.rate));
    sparks.appendChild(rate);
    if (st) {
        const u = el("div", {}, "utilisation");
        u.appendChild(spark(h.util, 1));
        sparks.appendChild(u);
    }
    card.appendChild(sparks);

    const t = el("table");
    const hr = el("tr");
    for (const c of ["address", "state", "override", "probe", "last result", "latency", "fails"]) {
        hr.appendChild(el("th", {}, c));
    }
    hr.appendChild(el("th", {class: "res-actions"}, ""));
    t.appendChild(hr);
    for (const r of dc.resources) {
        const tr = el("tr", {"data-address": r.address});
        const p = r.probe;
        tr.appendChild(el("td", {}, r.address));
        tr.appendChild(el("td", {class: r.up ? "up" : "down"}, r.up ? "up" : "down"));
        tr.appendChild(el("td", {}, r.admin === "none" ? "" : r.admin));
        tr.appendChild(el("td", {}, p.type === "none" ? "none" : `${p.type} (${p.up ? "up" : "down"})`));
        tr.appendChild(el("td", {}, p.last_result || ""));
        tr.appendChild(el("td", {}, p.last_latency_ms !== undefined ? `${p.last_latency_ms} ms` : ""));
        tr.appendChild(el("td", {}, p.probes !== undefined ? `${p.failures}/${p.probes}` : ""));
        const ra = el("td", {class: "res-actions"});
        const rbase = `/resources/${encodeURIComponent(dc.name)}/${encodeURIComponent(r.address)}/`;
        const what = `${dc.name}/${r.address}`;
        const sel = el("select", {"aria-label": `action on ${what}`});
        for (const [value, label] of [["drain", "drain"], ["force-down", "force down"],
                                      ["force-up", "force up"], ["clear", "clear"]]) {
            sel.appendChild(el("option", {value}, label));
        }
        const go = el("button", {type: "button"}, "apply");
        go.addEventListener("click", () => act(rbase + sel.value,
            `${sel.options[sel.selectedIndex].text} ${what}?`));
        ra.appendChild(sel);
        ra.appendChild(go);
        tr.appendChild(ra);
        t.appendChild(tr);
    }
    card.appendChild(t);

    const base = `/datacenters/${encodeURIComponent(dc.name)}/`;
    const acts = el("div", {class: "actions"});
    acts.appendChild(actionButton("drain", base + "drain", `Drain ${dc.name}? Its clients go elsewhere.`));
    acts.appendChild(actionButton("undrain", base + "undrain", `Undrain ${dc.name}?`));
    acts.appendChild(actionButton("force up", base + "force-up",
                                  `Force ${dc.name} up, whatever its probes say?`));
    acts.appendChild(actionButton("force down", base + "force-down", `Force ${dc.name} down?`));
    acts.appendChild(actionButton("clear", base + "clear", `Clear the overrides of ${dc.name}?`));
    const w = el("input", {type: "number", min: "0", max: "1000000", "aria-label": "weight",
                           value: String(dc.effective_weight)});
    const wb = el("button", {type: "button"}, "set weight");
    wb.addEventListener("click", () => act(`${base}weight?value=${encodeURIComponent(w.value)}`,
                                           `Set the weight of ${dc.name} to ${w.value}?`));
    acts.appendChild(w);
    acts.appendChild(wb);
    acts.appendChild(actionButton("configured weight", base + "weight",
                                  `Put ${dc.name} back to its configured weight?`));
    card.appendChild(acts);
    return card;
}

function drawDcs(status) {
    const box = $("dcs");
    // A weight being typed or an action being picked survives the refresh.
    if (box.contains(document.activeElement) &&
        ["INPUT", "SELECT"].includes(document.activeElement.tagName)) {
        return;
    }
    box.replaceChildren(...status.datacenters.map(dcCard));
}

// ---- polling ----

// The samples of a Prometheus text exposition: [{name, labels, value}].
function parseMetrics(text) {
    const out = [];
    const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
    const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (const l of text.split("\n")) {
        const m = line.exec(l);
        if (!m) {
            continue;
        }
        const labels = {};
        for (const lm of (m[2] || "").matchAll(label)) {
            labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
        }
        out.push({name: m[1], labels, value: Number(m[3])});
    }
    return out;
}

function record(status, metrics, t) {
    const s = {t, dc: {}, flow: {}};
    for (const m of metrics) {
        if (m.name === "gslbd_datacenter_answers_total") {
            s.dc[m.labels.datacenter] = m.value;
        } else if (m.name === "gslbd_client_continent_datacenter_answers_total") {
            s.flow[`${m.labels.continent}>${m.labels.datacenter}`] = m.value;
        }
    }
    const prev = samples[samples.length - 1];
    samples.push(s);
    while (samples.length > 1 && t - samples[0].t > WINDOW_S * 1000) {
        samples.shift();
    }
    const names = new Set(status.datacenters.map((d) => d.name));
    for (const name of history.keys()) {
        if (!names.has(name)) {
            history.delete(name);   // removed by a reload
        }
    }
    for (const dc of status.datacenters) {
        const h = history.get(dc.name) || {rate: [], util: []};
        const dt = prev ? (t - prev.t) / 1000 : 0;
        const rate = prev && dt > 0 ? Math.max(0, (s.dc[dc.name] || 0) - (prev.dc[dc.name] || 0)) / dt : 0;
        h.rate.push(rate);
        h.util.push(dc.steering && dc.steering.utilisation !== null ? dc.steering.utilisation : 0);
        for (const k of ["rate", "util"]) {
            if (h[k].length > SPARK_POINTS) {
                h[k].shift();
            }
        }
        history.set(dc.name, h);
    }
}

async function poll() {
    const started = Date.now();
    try {
        const [sr, mr] = await Promise.all([fetch("/status", {cache: "no-store"}),
                                            fetch("/metrics", {cache: "no-store"})]);
        if (!sr.ok || !mr.ok) {
            throw new Error(`status ${sr.status}, metrics ${mr.status}`);
        }
        const status = await sr.json();
        const metrics = parseMetrics(await mr.text());
        lastStatus = status;
        record(status, metrics, started);
        $("server-info").textContent =
            `${status.version} · generation ${status.generation} · ` +
            `loaded ${new Date(status.loaded_at * 1000).toLocaleString()} · ${status.config}`;
        const rl = status.reloads;
        const failed = rl.last_failure !== null && rl.last_failure > rl.last_success;
        $("reload-state").textContent = failed ? "last reload failed" : "";
        $("reload-state").title = failed ? rl.last_errors.join("\n") : "";
        drawMap(status);
        drawDcs(status);
        if (performance.getEntriesByName("gslbd-first-draw").length === 0) {
            performance.mark("gslbd-first-draw");   // how long until the page shows data
        }
        $("link").className = "link-ok";
        document.body.dataset.generation = String(status.generation);
    } catch (e) {
        $("link").className = "link-error";
        $("link").title = `refresh failed: ${e.message}`;
    }
    setTimeout(poll, Math.max(0, POLL_MS - (Date.now() - started)));
}

// ---- admin actions ----

function token() {
    return sessionStorage.getItem(TOKEN_KEY);
}

function showToken() {
    const has = token() !== null;
    document.body.classList.toggle("no-token", !has);
    $("token-state").textContent = has ? "actions on" : "read only";
}

function confirmAction(text) {
    return new Promise((resolve) => {
        const d = $("confirm");
        $("confirm-text").textContent = text;
        d.addEventListener("close", () => resolve(d.returnValue === "ok"), {once: true});
        d.returnValue = "";
        d.showModal();
    });
}

async function act(path, confirmText) {
    if (!(await confirmAction(confirmText))) {
        return;
    }
    try {
        const r = await fetch(path, {method: "POST",
                                     headers: {Authorization: `Bearer ${token()}`}});
        const body = await r.json();
        if (!r.ok) {
            message(`${path}: ${body.error || r.status}`, true);
            return;
        }
        message(`${path}: done`, false);
    } catch (e) {
        message(`${path}: ${e.message}`, true);
    }
}

// ---- explain ----

function explainText(j) {
    const d = j.decision;
    if (!d) {
        return JSON.stringify(j, null, 2);
    }
    const lines = [`service ${d.service}, policy ${d.policy}` + (d.map ? `, map ${d.map}` : "")];
    if (d.geoip) {
        const g = d.geoip;
        lines.push(g.found ? `client located: ${[g.continent, g.country, g.subdivision, g.city]
            .filter((x) => x).join(" / ")} (network ${g.network})` : "client not in the GeoIP database");
    }
    if (d.match) {
        lines.push(`matched: ${d.match.rule}${d.match.key ? " " + d.match.key : ""}`);
    }
    for (const c of d.candidates || []) {
        lines.push(`  ${c.order}. ${c.datacenter}: ${c.up ? "up" : "down"}` +
                   `${c.admin && c.admin !== "none" ? " (" + c.admin + ")" : ""}` +
                   `${c.chosen ? "  <- chosen" : ""}`);
    }
    lines.push(`reason: ${d.reason || ""}`);
    lines.push(`answer: ${(d.records || []).join(" ")}, ttl ${d.ttl}, ECS scope /${d.ecs_scope}`);
    return lines.join("\n");
}

async function explain(ev) {
    ev.preventDefault();
    const q = new URLSearchParams({name: $("explain-name").value,
                                   client: $("explain-client").value,
                                   type: $("explain-type").value});
    const out = $("explain-out");
    try {
        const r = await fetch(`/explain?${q}`);
        const j = await r.json();
        if (!r.ok) {
            out.replaceChildren(el("pre", {class: "error"}, j.error || String(r.status)));
            chosen = new Set();
        } else {
            const names = (j.decision && j.decision.chosen) || [];
            chosen = new Set(names);
            out.replaceChildren(
                el("p", {class: "chosen-dc", id: "explain-chosen"},
                   names.length ? `chosen: ${names.join(", ")}` : "no data center chosen"),
                el("pre", {}, explainText(j)));
        }
    } catch (e) {
        out.replaceChildren(el("pre", {class: "error"}, e.message));
    }
    if (lastStatus) {
        drawMap(lastStatus);
        drawDcs(lastStatus);
    }
}

// ---- start ----

$("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    if ($("token").value !== "") {
        sessionStorage.setItem(TOKEN_KEY, $("token").value);
    }
    $("token").value = "";
    showToken();
});
$("token-forget").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showToken();
});
$("explain-form").addEventListener("submit", explain);
showToken();
drawLand().catch((e) => message(`map: ${e.message}`, true));
poll();
