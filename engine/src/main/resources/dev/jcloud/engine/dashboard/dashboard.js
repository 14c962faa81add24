// jcloud dashboard: plain JS and SVG, no library. One JSON snapshot a second arrives over
// Server-Sent Events (/api/stream); the task stream keeps the bars of the last WINDOW_MS here and
// the cluster panel its history, because the scheduler sends each (sampled) record and each
// history sample only once.
(function () {
  "use strict";
  const WINDOW_MS = 10000;
  const MAX_BARS = 5000;
  const MAX_HISTORY = 1800;
  const SVGNS = "http://www.w3.org/2000/svg";
  // Tableau 10 without its red and brown, which mark transfers and spills.
  const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#bab0ac", "#86bcb6", "#499894"];
  const TRANSFER = "#d62728", SPILL = "#8c564b";
  const kindColour = new Map();
  let bars = [];          // {seq, worker, thread, kind, type, bytes, start (ms), end (ms)}
  let lastSeq = -1;
  let history = [];       // [seq, millis, workers, target, perHour, total]
  let lastHistorySeq = -1;

  function colour(kind) {
    if (!kindColour.has(kind)) kindColour.set(kind, PALETTE[kindColour.size % PALETTE.length]);
    return kindColour.get(kind);
  }
  function shortKind(k) {
    // "dev.example.Job.lambda$main$0" reads better as "Job.lambda$main$0".
    const parts = k.split(".");
    return parts.length > 2 ? parts.slice(-2).join(".") : k;
  }
  function el(tag, attrs, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function bytes(n) {
    if (!n) return "0 B";
    const u = ["B", "KiB", "MiB", "GiB", "TiB"];
    const i = Math.min(u.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
    return (n / Math.pow(1024, i)).toFixed(i ? 1 : 0) + " " + u[i];
  }
  function duration(ms) {
    const s = Math.floor(Math.max(0, ms) / 1000);
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  }
  function dollars(d) { return "$" + (d >= 100 ? d.toFixed(0) : d >= 1 ? d.toFixed(2) : d.toFixed(3)); }
  function num(n) { return Number(n).toLocaleString("en-US"); }
  function set(id, v) { document.getElementById(id).textContent = v; }
  function byName(a, b) { return a.localeCompare(b, undefined, { numeric: true }); }

  function renderStats(s) {
    set("where", s.scheduler + " · engine " + s.version + " · " + s.clients + (s.clients === 1 ? " client" : " clients")
      + " · up " + duration(s.now - s.started));
    set("s-workers", num(s.workers.length));
    set("s-threads", num(s.workers.reduce((a, w) => a + w.threads, 0)));
    set("s-processing", num(s.tasks.processing));
    set("s-waiting", num(s.tasks.waiting));
    set("s-memory", num(s.tasks.memory));
    set("s-erred", num(s.tasks.erred));
    set("s-completed", num(s.tasks.completed));
    set("s-rate", s.rate >= 100 ? num(Math.round(s.rate)) : Number(s.rate).toFixed(1));
  }

  function renderStream(s) {
    // Records: [seq, worker, thread, kind, start, duration, type, bytes]; worker and kind index
    // s.stream.names, start (µs) is relative to s.stream.base.
    const names = s.stream.names, base = s.stream.base;
    for (const r of s.stream.records) {
      if (r[0] <= lastSeq) continue;
      lastSeq = r[0];
      const start = (base + r[4]) / 1000;
      bars.push({ seq: r[0], worker: names[r[1]], thread: r[2], kind: names[r[3]], type: r[6], bytes: r[7],
        start: start, end: start + r[5] / 1000 });
    }
    const t1 = s.now, t0 = t1 - WINDOW_MS;
    bars = bars.filter(b => b.end >= t0);
    if (bars.length > MAX_BARS) {
      // Thin evenly over the window rather than keep only the newest: the window stays honest.
      const step = bars.length / MAX_BARS;
      const kept = [];
      for (let i = 0; i < MAX_BARS; i++) kept.push(bars[Math.floor(i * step)]);
      bars = kept;
    }

    // One lane per worker thread, then an "io" lane for the worker's transfers and spills.
    // Workers that do not report a thread index get their bars packed greedily into lanes: at
    // most `threads` tasks overlap on a worker, so the packing needs no more lanes than threads.
    const lanesByWorker = new Map();
    for (const w of s.workers) lanesByWorker.set(w.name, { threads: w.threads, ends: [], bars: [], io: [] });
    for (const b of bars) {
      if (!lanesByWorker.has(b.worker)) lanesByWorker.set(b.worker, { threads: 1, ends: [], bars: [], io: [] });
      const w = lanesByWorker.get(b.worker);
      (b.type ? w.io : w.bars).push(b);
    }
    const rows = [];
    for (const [name, w] of [...lanesByWorker.entries()].sort((a, b) => byName(a[0], b[0]))) {
      const reported = w.bars.some(b => b.thread > 0);
      w.bars.sort((a, b) => a.start - b.start);
      for (const b of w.bars) {
        let lane = b.thread;
        if (!reported) {
          lane = w.ends.findIndex(e => e <= b.start + 0.05);
          // Start times are whole milliseconds: never open more lanes than the worker has
          // threads; an overlap that rounding invented goes to the lane that frees first.
          if (lane < 0 && w.ends.length < w.threads) { lane = w.ends.length; w.ends.push(0); }
          if (lane < 0) lane = w.ends.indexOf(Math.min(...w.ends));
          w.ends[lane] = b.end;
        }
        b.lane = lane;
      }
      const n = Math.max(w.threads, reported ? 1 + Math.max(0, ...w.bars.map(b => b.thread)) : w.ends.length);
      for (let i = 0; i < n; i++) rows.push({ worker: name, label: i === 0 ? name + " · t0" : "t" + i, bars: w.bars.filter(b => b.lane === i) });
      if (w.io.length) rows.push({ worker: name, label: "io", io: true, bars: w.io });
    }

    const host = document.getElementById("taskstream");
    const width = Math.max(400, host.clientWidth), labelW = 90, top = 4, axisH = 18;
    // A hundred workers must fit on a screen: rows get thinner, labels go when they would not fit.
    const rowH = rows.length <= 40 ? 16 : Math.max(3, Math.floor(640 / rows.length));
    const height = top + Math.max(1, rows.length) * rowH + axisH;
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, height: height, "data-bars": bars.length });
    const x = t => labelW + (t - t0) / WINDOW_MS * (width - labelW - 6);
    rows.forEach((row, i) => {
      const y = top + i * rowH;
      svg.appendChild(el("rect", { class: "lane" + (i % 2 ? " alt" : "") + (row.io ? " io" : ""), x: labelW, y: y, width: width - labelW - 6, height: Math.max(1, rowH - 2) }));
      if (rowH >= 10) svg.appendChild(el("text", { class: "label", x: labelW - 6, y: y + rowH - 5, "text-anchor": "end" }, row.label));
      for (const b of row.bars) {
        const x0 = Math.max(labelW, x(b.start)), x1 = Math.min(width - 6, x(b.end));
        if (x1 < labelW) continue;
        const cls = b.type === 1 ? "transfer" : b.type === 2 ? "spill" : "task";
        const r = el("rect", { class: cls, x: x0, y: y + 1, width: Math.max(b.type ? 2 : 1, x1 - x0 - 0.5), height: Math.max(1, rowH - 4), rx: rowH > 8 ? 2 : 0,
          fill: b.type === 1 ? TRANSFER : b.type === 2 ? SPILL : colour(b.kind), "data-worker": b.worker, "data-kind": b.kind });
        r.appendChild(el("title", {}, b.type === 1 ? `transfer to ${b.worker}: ${bytes(b.bytes)} in ${(b.end - b.start).toFixed(1)} ms`
          : b.type === 2 ? `spill on ${b.worker}: ${bytes(b.bytes)}` : `${b.kind}\n${b.worker} · ${(b.end - b.start).toFixed(1)} ms`));
        svg.appendChild(r);
      }
    });
    const yAxis = top + Math.max(1, rows.length) * rowH;
    for (let sec = 0; sec <= WINDOW_MS / 1000; sec += 2) {
      const xx = x(t1 - sec * 1000);
      svg.appendChild(el("line", { class: "tick", x1: xx, x2: xx, y1: top, y2: yAxis }));
      svg.appendChild(el("text", { class: "axis", x: xx, y: yAxis + 13, "text-anchor": sec === 0 ? "end" : "middle" }, sec === 0 ? "now" : "−" + sec + " s"));
    }
    host.replaceChildren(svg);
    set("stream-note", s.stream.skipped > 0
      ? `last ${WINDOW_MS / 1000} s · sampled (${num(s.stream.skipped)} tasks not drawn)`
      : `last ${WINDOW_MS / 1000} s`);

    const legend = document.getElementById("legend");
    const items = [...kindColour.keys()].filter(k => bars.some(b => b.kind === k) || s.kinds.some(p => p.name === k)).map(k => {
      const span = document.createElement("span");
      span.innerHTML = `<i class="sw" style="background:${colour(k)}"></i>`;
      span.appendChild(document.createTextNode(shortKind(k)));
      return span;
    });
    for (const [name, c] of [["transfer", TRANSFER], ["spill to disk", SPILL]]) {
      const span = document.createElement("span");
      span.className = "io-key";
      span.innerHTML = `<i class="sw" style="background:${c}"></i>`;
      span.appendChild(document.createTextNode(name));
      items.push(span);
    }
    legend.replaceChildren(...items);
  }

  function renderCluster(s) {
    for (const p of s.cluster.history) {
      if (p[0] <= lastHistorySeq) continue;
      lastHistorySeq = p[0];
      history.push(p);
    }
    if (history.length > MAX_HISTORY) history = history.slice(history.length - MAX_HISTORY);
    const g = s.cluster.gauges;
    const has = k => typeof g[k] === "number";
    set("c-cost", has("cost_dollars_total") ? dollars(g.cost_dollars_total) : "–");
    set("c-rate", has("cost_dollars_per_hour") ? dollars(g.cost_dollars_per_hour) : "–");
    set("c-target", has("adaptive_target_workers") ? num(Math.round(g.adaptive_target_workers)) : "–");
    // Core-hours: shown where the platform accounts them (a batch system's allocation).
    document.getElementById("c-core-hours-box").hidden = !has("core_hours_total");
    document.getElementById("c-cores-box").hidden = !has("core_hours_per_hour");
    set("c-core-hours", has("core_hours_total") ? g.core_hours_total.toFixed(2) : "–");
    set("c-cores", has("core_hours_per_hour") ? num(Math.round(g.core_hours_per_hour)) : "–");
    set("cluster-note", has("cost_dollars_total") || has("adaptive_target_workers") ? "from the in-cluster controller"
      : "cost and adaptive target appear when the in-cluster controller runs");

    const idle = document.getElementById("idle");
    if (s.idleTimeout > 0 && s.idleSince > 0) {
      const left = s.idleTimeout - (s.now - s.idleSince);
      idle.className = "idle counting";
      idle.textContent = `Idle for ${duration(s.now - s.idleSince)}: the cluster stops in ${duration(left)} unless work or a client arrives.`;
    } else if (s.idleTimeout > 0) {
      idle.className = "idle";
      idle.textContent = `Busy. Stops after ${duration(s.idleTimeout)} without tasks or clients.`;
    } else {
      idle.className = "idle";
      idle.textContent = "No idle timeout: the cluster runs until it is stopped.";
    }

    const host = document.getElementById("cluster-chart");
    const width = Math.max(300, host.clientWidth), height = 150, left = 34, right = 8, top = 8, bottom = 18;
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, height: height, "data-points": history.length });
    if (history.length < 2) {
      svg.appendChild(el("text", { class: "axis", x: left, y: height / 2 }, "collecting samples…"));
      host.replaceChildren(svg);
      return;
    }
    const tA = history[0][1], tB = Math.max(s.now, history[history.length - 1][1]);
    const maxY = Math.max(1, ...history.map(p => Math.max(p[2], p[3] === null ? 0 : p[3]))) * 1.15;
    const x = t => left + (t - tA) / Math.max(1, tB - tA) * (width - left - right);
    const y = v => top + (1 - v / maxY) * (height - top - bottom);
    for (const v of [0, Math.round(maxY / 2), Math.floor(maxY)]) {
      svg.appendChild(el("line", { class: "tick", x1: left, x2: width - right, y1: y(v), y2: y(v) }));
      svg.appendChild(el("text", { class: "axis", x: left - 4, y: y(v) + 3, "text-anchor": "end" }, String(v)));
    }
    // Steps, not slopes: the worker count changes at an instant.
    const step = (idx) => {
      let d = "";
      let prev = null;
      for (const p of history) {
        if (p[idx] === null) { prev = null; continue; }
        d += prev === null ? `M${x(p[1]).toFixed(1)},${y(p[idx]).toFixed(1)}` : `H${x(p[1]).toFixed(1)}V${y(p[idx]).toFixed(1)}`;
        prev = p[idx];
      }
      if (prev !== null) d += `H${x(tB).toFixed(1)}`;
      return d;
    };
    svg.appendChild(el("path", { class: "workers-line", d: step(2) }));
    if (history.some(p => p[3] !== null)) svg.appendChild(el("path", { class: "target-line", d: step(3) }));
    svg.appendChild(el("text", { class: "axis", x: left, y: height - 4 }, "−" + duration(tB - tA)));
    svg.appendChild(el("text", { class: "axis", x: width - right, y: height - 4, "text-anchor": "end" }, "now"));
    host.replaceChildren(svg);
  }

  function renderProgress(s) {
    const host = document.getElementById("progress");
    if (!s.kinds.length) { host.innerHTML = '<p class="empty">No tasks yet.</p>'; return; }
    host.replaceChildren(...s.kinds.map(k => {
      const row = document.createElement("div");
      row.className = "row";
      row.dataset.kind = k.name;
      const total = Math.max(1, k.total);
      const released = Math.max(0, k.done - k.memory);
      const pct = n => (100 * n / total).toFixed(2) + "%";
      const c = colour(k.name);
      row.innerHTML = `<div class="name"><span></span><span class="count"></span></div>
        <div class="bar"><div style="width:${pct(released)};background:${c};filter:brightness(.75)"></div><div class="mem" style="width:${pct(k.memory)};background:${c}"></div><div class="proc" style="width:${pct(k.processing)};background:${c}"></div><div class="err" style="width:${pct(k.erred)}"></div></div>`;
      row.querySelector(".name span").textContent = shortKind(k.name);
      row.querySelector(".name span").title = k.name;
      row.querySelector(".count").textContent = `${num(k.done)} / ${num(k.total)} done · ${num(k.processing)} running · ${num(k.waiting)} waiting`
        + (k.erred ? ` · ${num(k.erred)} erred` : "") + (k.mean > 0 ? ` · ${(k.mean * 1000).toFixed(1)} ms avg` : "");
      return row;
    }));
  }

  function renderWorkers(s) {
    const body = document.querySelector("#workers tbody");
    const billed = s.workers.some(w => w.gauges && typeof w.gauges.cost_dollars_total === "number");
    document.getElementById("workers").classList.toggle("billed", billed);
    if (!s.workers.length) { body.innerHTML = '<tr><td colspan="11" class="empty">No workers connected.</td></tr>'; return; }
    // By name, numbers in order (w2 before w10): registration order changes between runs.
    const workers = [...s.workers].sort((a, b) => byName(a.name, b.name));
    body.replaceChildren(...workers.map(w => {
      const tr = document.createElement("tr");
      tr.dataset.worker = w.name;
      const limit = w.memoryLimit || w.heapMax || 1;
      const frac = Math.min(1, w.heapUsed / limit);
      // Each worker's own thresholds (from its registration); old workers report none.
      const spill = w.spillFraction || s.spillFraction, pause = w.pauseFraction || s.pauseFraction;
      const level = frac >= pause ? " pause" : frac >= spill ? " spill" : "";
      const cost = w.gauges && typeof w.gauges.cost_dollars_total === "number" ? dollars(w.gauges.cost_dollars_total) : "–";
      const cells = [
        `<td class="name"></td>`,
        `<td>${w.threads}</td>`,
        `<td><span class="cpu"><i style="width:${Math.min(100, w.cpu * 100).toFixed(0)}%"></i></span>${(w.cpu * 100).toFixed(0)}%</td>`,
        `<td><span class="mem" title="spill at ${(spill * 100).toFixed(0)}%, pause at ${(pause * 100).toFixed(0)}%"><span class="used${level}" style="width:${(frac * 100).toFixed(1)}%"></span>`
          + `<span class="mark spill" style="left:${(spill * 100).toFixed(1)}%"></span><span class="mark pause" style="left:${(pause * 100).toFixed(1)}%"></span></span>`
          + `${bytes(w.heapUsed)} / ${bytes(limit)}</td>`,
        `<td class="executing">${num(w.executing)} / ${w.threads}</td>`,
        `<td class="processing">${num(w.processing)}</td>`,
        `<td>${bytes(w.stored)}</td>`,
        `<td>${bytes(w.spilled)}</td>`,
        `<td title="${num(w.transfers || 0)} transfers">${bytes(w.bytesIn)} / ${bytes(w.bytesOut)}</td>`,
        `<td>${duration(w.uptime)}</td>`,
        `<td class="cost">${cost}</td>`];
      tr.innerHTML = cells.join("");
      tr.querySelector(".name").textContent = w.name;
      if (w.paused) tr.querySelector(".name").insertAdjacentHTML("beforeend", '<span class="paused">paused</span>');
      if (w.retiring) tr.querySelector(".name").insertAdjacentHTML("beforeend", '<span class="paused">retiring</span>');
      return tr;
    }));
  }

  function render(s) {
    // For tests and for a curious reader in the browser console.
    window.jcloudDashboard = { last: s, bars: bars.length, lastSeq: lastSeq, history: history.length,
      maxBars: Math.max(bars.length, (window.jcloudDashboard || {}).maxBars || 0),
      maxRecords: Math.max(s.stream.records.length, (window.jcloudDashboard || {}).maxRecords || 0),
      lag: s.stream.records.length ? s.now - (s.stream.base + s.stream.records[s.stream.records.length - 1][4]) / 1000 : null };
    renderStats(s);
    renderStream(s);
    renderCluster(s);
    renderProgress(s);
    renderWorkers(s);
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  }

  const conn = document.getElementById("conn");
  const source = new EventSource("/api/stream");
  source.onopen = () => { conn.className = "conn on"; conn.textContent = "live"; };
  source.onerror = () => { conn.className = "conn off"; conn.textContent = "reconnecting"; };
  source.onmessage = e => {
    try { render(JSON.parse(e.data)); } catch (err) { console.error(err); window.jcloudDashboardError = String(err && err.stack || err); }
  };
})();
