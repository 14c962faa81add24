// jcloud dashboard: plain JS and SVG, no library. One JSON snapshot a second arrives over
// Server-Sent Events (/api/stream); the task stream keeps the bars of the last WINDOW_MS here,
// because the scheduler sends each (sampled) record only once.
(function () {
  "use strict";
  const WINDOW_MS = 10000;
  const MAX_BARS = 5000;
  const SVGNS = "http://www.w3.org/2000/svg";
  // Tableau 10: distinct, colour-blind-friendlier than a random hue.
  const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
  const kindColour = new Map();
  let bars = [];          // {seq, worker, thread, kind, start (ms), end (ms)}
  let lastSeq = -1;

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
    const s = Math.floor(ms / 1000);
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  }
  function num(n) { return Number(n).toLocaleString("en-US"); }
  function set(id, v) { document.getElementById(id).textContent = v; }

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
    for (const r of s.stream.records) {
      if (r[0] <= lastSeq) continue;
      lastSeq = r[0];
      bars.push({ seq: r[0], worker: r[1], thread: r[2], kind: r[3], start: r[4] / 1000, end: (r[4] + r[5]) / 1000 });
    }
    const t1 = s.now, t0 = t1 - WINDOW_MS;
    bars = bars.filter(b => b.end >= t0);
    if (bars.length > MAX_BARS) bars = bars.slice(bars.length - MAX_BARS);

    // One lane per worker thread. Workers that do not report a thread index get their bars
    // packed greedily into lanes: at most `threads` tasks overlap on a worker, so the packing
    // needs no more lanes than it has threads.
    const lanesByWorker = new Map();
    for (const w of s.workers) lanesByWorker.set(w.name, { threads: w.threads, ends: [], bars: [] });
    for (const b of bars) {
      if (!lanesByWorker.has(b.worker)) lanesByWorker.set(b.worker, { threads: 1, ends: [], bars: [] });
      lanesByWorker.get(b.worker).bars.push(b);
    }
    const rows = [];
    for (const [name, w] of [...lanesByWorker.entries()].sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true }))) {
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
      for (let i = 0; i < n; i++) rows.push({ worker: name, thread: i, bars: w.bars.filter(b => b.lane === i) });
    }

    const host = document.getElementById("taskstream");
    const width = Math.max(400, host.clientWidth), labelW = 90, rowH = 16, top = 4, axisH = 18;
    const height = top + Math.max(1, rows.length) * rowH + axisH;
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, height: height, "data-bars": bars.length });
    const x = t => labelW + (t - t0) / WINDOW_MS * (width - labelW - 6);
    rows.forEach((row, i) => {
      const y = top + i * rowH;
      svg.appendChild(el("rect", { class: "lane" + (i % 2 ? " alt" : ""), x: labelW, y: y, width: width - labelW - 6, height: rowH - 2 }));
      svg.appendChild(el("text", { class: "label", x: labelW - 6, y: y + rowH - 5, "text-anchor": "end" },
        row.thread === 0 ? row.worker + " · t0" : "t" + row.thread));
      for (const b of row.bars) {
        const x0 = Math.max(labelW, x(b.start)), x1 = Math.min(width - 6, x(b.end));
        if (x1 <= labelW) continue;
        const r = el("rect", { class: "task", x: x0, y: y + 1, width: Math.max(1, x1 - x0 - 0.5), height: rowH - 4, rx: 2,
          fill: colour(b.kind), "data-worker": b.worker, "data-kind": b.kind });
        r.appendChild(el("title", {}, `${b.kind}\n${b.worker} · ${(b.end - b.start).toFixed(1)} ms`));
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
    legend.replaceChildren(...[...kindColour.keys()].filter(k => bars.some(b => b.kind === k) || s.kinds.some(p => p.name === k)).map(k => {
      const span = document.createElement("span");
      span.innerHTML = `<i class="sw" style="background:${colour(k)}"></i>`;
      span.appendChild(document.createTextNode(shortKind(k)));
      return span;
    }));
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
    if (!s.workers.length) { body.innerHTML = '<tr><td colspan="9" class="empty">No workers connected.</td></tr>'; return; }
    // By name, numbers in order (w2 before w10): registration order changes between runs.
    const workers = [...s.workers].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    body.replaceChildren(...workers.map(w => {
      const tr = document.createElement("tr");
      tr.dataset.worker = w.name;
      const limit = w.memoryLimit || w.heapMax || 1;
      const frac = Math.min(1, w.heapUsed / limit);
      const level = frac >= s.pauseFraction ? " pause" : frac >= s.spillFraction ? " spill" : "";
      const cells = [
        `<td class="name"></td>`,
        `<td>${w.threads}</td>`,
        `<td><span class="cpu"><i style="width:${Math.min(100, w.cpu * 100).toFixed(0)}%"></i></span>${(w.cpu * 100).toFixed(0)}%</td>`,
        `<td><span class="mem" title="spill at ${s.spillFraction * 100}%, pause at ${s.pauseFraction * 100}%"><span class="used${level}" style="width:${(frac * 100).toFixed(1)}%"></span>`
          + `<span class="mark spill" style="left:${s.spillFraction * 100}%"></span><span class="mark pause" style="left:${s.pauseFraction * 100}%"></span></span>`
          + `${bytes(w.heapUsed)} / ${bytes(limit)}</td>`,
        `<td class="processing">${num(w.processing)}</td>`,
        `<td>${bytes(w.stored)}</td>`,
        `<td>${bytes(w.spilled)}</td>`,
        `<td>${bytes(w.bytesIn)} / ${bytes(w.bytesOut)}</td>`,
        `<td>${duration(w.uptime)}</td>`];
      tr.innerHTML = cells.join("");
      tr.querySelector(".name").textContent = w.name;
      if (w.paused) tr.querySelector(".name").insertAdjacentHTML("beforeend", '<span class="paused">paused</span>');
      if (w.retiring) tr.querySelector(".name").insertAdjacentHTML("beforeend", '<span class="paused">retiring</span>');
      return tr;
    }));
  }

  function render(s) {
    // For tests and for a curious reader in the browser console.
    window.jcloudDashboard = { last: s, bars: bars.length, lastSeq: lastSeq,
      maxBars: Math.max(bars.length, (window.jcloudDashboard || {}).maxBars || 0),
      maxRecords: Math.max(s.stream.records.length, (window.jcloudDashboard || {}).maxRecords || 0),
      lag: s.stream.records.length ? s.now - s.stream.records[s.stream.records.length - 1][4] / 1000 : null };
    renderStats(s);
    renderStream(s);
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
