// gameport admin page: polls /admin/api/state and /admin/api/heatmap once a second and draws
// counters, line charts, a world heatmap and the last closes. Plain JS, no libraries.
(function () {
  'use strict';

  const POLL_MS = 1000;
  const SPAN_MS = 120 * 1000; // charts show the last ~120 samples
  const MAX_POINTS = 130;
  const CHART_BG = '#11151a';

  const token = new URLSearchParams(location.search).get('token');
  const headers = token ? { Authorization: 'Bearer ' + token } : {};

  const admin = { samples: 0, lastState: null, heatmapPlayers: 0, heatmapNpcs: 0, lastHeatmap: null, error: null };
  window.gameportAdmin = admin;

  const $ = (id) => document.getElementById(id);

  // ---- history ----
  const hist = {
    times: [],
    sessions: [], players: [],
    pin: [], pout: [],
    busy: [], ring: [],
    stages: {}, // name -> {p50: [], p99: []}
  };
  let prev = null;
  const closeHistory = []; // [{t, byReason}] for "last 10 s"

  function push(arr, v) {
    arr.push(v);
    if (arr.length > MAX_POINTS) arr.shift();
  }

  function toMicros(v, unit) {
    if (v === null || v === undefined || !isFinite(v)) return null;
    switch (unit) {
      case 'ns': return v / 1000;
      case 'ms': return v * 1000;
      case 's': return v * 1e6;
      default: return v; // 'us'
    }
  }

  function record(s) {
    const t = s.timeMillis || Date.now();
    let pin = null, pout = null, bin = null, bout = null;
    if (prev && t > prev.timeMillis) {
      const dt = (t - prev.timeMillis) / 1000;
      const rate = (a, b) => (a >= b ? (a - b) / dt : null); // a counter that went down: a restart
      pin = rate(s.packetsIn, prev.packetsIn);
      pout = rate(s.packetsOut, prev.packetsOut);
      bin = rate(s.bytesIn, prev.bytesIn);
      bout = rate(s.bytesOut, prev.bytesOut);
    }
    const n = hist.times.length;
    push(hist.times, t);
    push(hist.sessions, s.sessions);
    push(hist.players, s.players);
    push(hist.pin, pin);
    push(hist.pout, pout);
    push(hist.busy, num(s.busyPercent));
    push(hist.ring, s.eventRingUsed === undefined ? null : 100 * s.eventRingUsed);
    for (const st of s.stages || []) {
      let h = hist.stages[st.name];
      if (!h) {
        h = hist.stages[st.name] = { p50: new Array(n).fill(null), p99: new Array(n).fill(null) };
        while (h.p50.length > MAX_POINTS - 1) { h.p50.shift(); h.p99.shift(); }
      }
      const has = st.count === undefined || st.count > 0;
      push(h.p50, has ? toMicros(st.p50, st.unit) : null);
      push(h.p99, has ? toMicros(st.p99, st.unit) : null);
    }
    for (const name of Object.keys(hist.stages)) {
      const h = hist.stages[name];
      while (h.p50.length < hist.times.length) { push(h.p50, null); push(h.p99, null); }
    }
    prev = s;
    return { pin, pout, bin, bout };
  }

  function num(v) {
    return typeof v === 'number' && isFinite(v) ? v : null;
  }

  // ---- formatting ----
  function fmtCount(v) {
    if (v === null || v === undefined) return '–';
    if (Math.abs(v) >= 1e9) return (v / 1e9).toFixed(2) + 'G';
    if (Math.abs(v) >= 1e6) return (v / 1e6).toFixed(2) + 'M';
    if (Math.abs(v) >= 1e4) return (v / 1e3).toFixed(1) + 'k';
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) < 1 ? String(+v.toFixed(2)) : v.toFixed(Math.abs(v) < 10 ? 1 : 0);
  }
  function fmtBytes(v) {
    if (v === null || v === undefined) return '–';
    if (v >= 1 << 30) return (v / (1 << 30)).toFixed(2) + ' GiB';
    if (v >= 1 << 20) return (v / (1 << 20)).toFixed(2) + ' MiB';
    if (v >= 1 << 10) return (v / (1 << 10)).toFixed(1) + ' KiB';
    return Math.round(v) + ' B';
  }
  function fmtMicros(us) {
    if (us === null || us === undefined) return '–';
    const trim = (t) => t.replace(/\.0+ /, ' ');
    if (us >= 1e6) return trim((us / 1e6).toFixed(2) + ' s');
    if (us >= 1000) return trim((us / 1000).toFixed(us >= 1e4 ? 0 : 1) + ' ms');
    if (us >= 10) return Math.round(us) + ' µs';
    return trim(us.toFixed(us >= 1 ? 1 : 2) + ' µs');
  }
  function fmtPercent(v) {
    return v === null || v === undefined ? '–' : v.toFixed(v < 10 ? 1 : 0) + ' %';
  }
  function fmtTime(ms) {
    const d = new Date(ms);
    const p = (n, w) => String(n).padStart(w || 2, '0');
    return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3);
  }

  // ---- a small reusable canvas line chart ----
  // lineChart(canvas, {times, series: [{name, color, values, dash}], format, log, yMaxFloor, yMaxCap, spanMs})
  // times and each values array are aligned; null values leave gaps.
  function lineChart(canvas, opts) {
    const dpr = window.devicePixelRatio || 1;
    const cssW = canvas.clientWidth || 480, cssH = canvas.clientHeight || 220;
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = CHART_BG;
    ctx.fillRect(0, 0, cssW, cssH);
    const fmt = opts.format || fmtCount;

    const times = opts.times;
    const tEnd = times.length ? times[times.length - 1] : Date.now();
    // The x axis grows with the history, from 30 s up to the full span, so early charts are readable.
    const span = Math.min(opts.spanMs || SPAN_MS, Math.max(30000, times.length ? tEnd - times[0] : 0));
    const tickS = span <= 60000 ? 10 : 30;
    const tStart = tEnd - span;
    // legend entries with the latest values, wrapped into rows above the plot
    ctx.font = '12px system-ui, "DejaVu Sans", sans-serif';
    const legend = [];
    let lx = 58, ly = 10;
    for (const s of opts.series) {
      let last = null;
      for (let i = s.values.length - 1; i >= 0; i--) {
        if (s.values[i] !== null && s.values[i] !== undefined) { last = s.values[i]; break; }
      }
      const text = s.name + ' ' + (last === null ? '–' : fmt(last));
      const tw = ctx.measureText(text).width;
      if (lx + tw + 18 > cssW - 8 && lx > 58) { lx = 58; ly += 16; }
      legend.push({ text, x: lx, y: ly, color: s.color, dash: s.dash });
      lx += tw + 32;
    }
    const pad = { l: 58, r: 12, t: ly + 16, b: 22 };
    const w = cssW - pad.l - pad.r, h = cssH - pad.t - pad.b;

    // y range
    let lo = Infinity, hi = -Infinity;
    for (const s of opts.series) {
      for (let i = 0; i < s.values.length; i++) {
        const v = s.values[i];
        if (v === null || v === undefined || times[i] < tStart) continue;
        if (opts.log && v <= 0) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    let ticks, yOf;
    if (opts.log) {
      if (!isFinite(lo)) { lo = 1; hi = 1000; }
      let e0 = Math.floor(Math.log10(lo)), e1 = Math.ceil(Math.log10(hi));
      if (e1 <= e0) e1 = e0 + 1;
      const l0 = e0, l1 = e1;
      yOf = (v) => pad.t + h - (Math.log10(Math.max(v, Math.pow(10, l0))) - l0) / (l1 - l0) * h;
      ticks = [];
      for (let e = e0; e <= e1; e++) ticks.push(Math.pow(10, e));
    } else {
      if (!isFinite(hi)) hi = 0;
      hi = Math.max(hi, opts.yMaxFloor || 1);
      if (opts.yMaxCap) hi = Math.min(hi, opts.yMaxCap);
      const step = opts.integer ? Math.max(1, niceStep(hi / 4)) : niceStep(hi / 4);
      const top = Math.ceil(hi / step) * step;
      yOf = (v) => pad.t + h - (Math.min(v, top) / top) * h;
      ticks = [];
      for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
    }
    const xOf = (t) => pad.l + ((t - tStart) / span) * w;

    // grid and axes
    ctx.font = '11px system-ui, "DejaVu Sans", sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (const v of ticks) {
      const y = Math.round(yOf(v)) + 0.5;
      ctx.strokeStyle = '#232a33';
      ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(pad.l + w, y); ctx.stroke();
      ctx.fillStyle = '#8b95a3';
      ctx.fillText(fmt(v).replace(/\.0(?!\d)/, ''), pad.l - 6, y); // axis labels: 6 %, not 6.0 %
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let s = 0; s <= span / 1000 + 0.001; s += tickS) {
      const x = Math.round(xOf(tEnd - s * 1000)) + 0.5;
      ctx.strokeStyle = '#1c222a';
      ctx.beginPath(); ctx.moveTo(x, pad.t); ctx.lineTo(x, pad.t + h); ctx.stroke();
      ctx.fillStyle = '#8b95a3';
      ctx.fillText(s === 0 ? 'now' : '-' + s + 's', Math.min(Math.max(x, pad.l + 10), pad.l + w - 10), pad.t + h + 5);
    }
    ctx.strokeStyle = '#3a434f';
    ctx.beginPath();
    ctx.moveTo(pad.l + 0.5, pad.t); ctx.lineTo(pad.l + 0.5, pad.t + h + 0.5); ctx.lineTo(pad.l + w, pad.t + h + 0.5);
    ctx.stroke();

    // lines
    ctx.save();
    ctx.beginPath();
    ctx.rect(pad.l, pad.t - 2, w + 2, h + 4);
    ctx.clip();
    for (const s of opts.series) {
      ctx.strokeStyle = s.color;
      ctx.lineWidth = s.width || 2;
      ctx.setLineDash(s.dash || []);
      ctx.lineJoin = 'round';
      ctx.beginPath();
      let open = false, lastX = 0, lastY = 0, runLen = 0;
      for (let i = 0; i < s.values.length; i++) {
        const v = s.values[i];
        if (v === null || v === undefined || (opts.log && v <= 0)) {
          if (runLen === 1) dot(ctx, lastX, lastY, s.color);
          open = false; runLen = 0;
          continue;
        }
        const x = xOf(times[i]), y = yOf(v);
        if (open) ctx.lineTo(x, y); else ctx.moveTo(x, y);
        open = true; runLen++; lastX = x; lastY = y;
      }
      ctx.stroke();
      if (runLen === 1) dot(ctx, lastX, lastY, s.color);
    }
    ctx.restore();
    ctx.setLineDash([]);

    // legend (laid out above the plot)
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    ctx.font = '12px system-ui, "DejaVu Sans", sans-serif';
    for (const it of legend) {
      ctx.strokeStyle = it.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(it.dash || []);
      ctx.beginPath(); ctx.moveTo(it.x, it.y); ctx.lineTo(it.x + 14, it.y); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = '#c9d1db';
      ctx.fillText(it.text, it.x + 18, it.y);
    }
  }

  function dot(ctx, x, y, color) {
    ctx.save();
    ctx.fillStyle = color;
    ctx.beginPath(); ctx.arc(x, y, 2.5, 0, Math.PI * 2); ctx.fill();
    ctx.restore();
  }

  function niceStep(raw) {
    if (!(raw > 0)) return 1;
    const e = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / e;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * e;
  }

  // ---- rendering ----
  const STAGE_COLORS = ['#5fb3ff', '#5fd38d', '#ffc857', '#ff6b9a', '#b48cff'];

  function drawCharts() {
    const times = hist.times;
    lineChart($('chart-sessions'), {
      times, integer: true,
      series: [
        { name: 'sessions', color: '#5fb3ff', values: hist.sessions },
        { name: 'players', color: '#5fd38d', values: hist.players, dash: [5, 3] },
      ],
    });
    lineChart($('chart-packets'), {
      times,
      series: [
        { name: 'in/s', color: '#5fd38d', values: hist.pin },
        { name: 'out/s', color: '#5fb3ff', values: hist.pout },
      ],
    });
    lineChart($('chart-busy'), {
      times,
      format: (v) => fmtPercent(v),
      yMaxFloor: 5, yMaxCap: 100,
      series: [
        { name: 'busy', color: '#ffc857', values: hist.busy },
        { name: 'event ring used', color: '#ff6b6b', values: hist.ring, dash: [5, 3] },
      ],
    });
    const series = [];
    Object.keys(hist.stages).forEach((name, i) => {
      const c = STAGE_COLORS[i % STAGE_COLORS.length];
      series.push({ name: name + ' p50', color: c, values: hist.stages[name].p50, width: 1.5, dash: [4, 3] });
      series.push({ name: 'p99', color: c, values: hist.stages[name].p99 });
    });
    lineChart($('chart-stages'), { times, series, log: true, format: fmtMicros });
  }

  function renderState(s, rates) {
    $('engine').textContent = 'engine: ' + (s.engine || '?');
    $('kpi-sessions').textContent = fmtCount(s.sessions);
    $('kpi-players').textContent = fmtCount(s.players);
    $('kpi-npcs').textContent = fmtCount(s.npcsAwake);
    $('kpi-logins').textContent = fmtCount(s.logins);
    $('kpi-pin').textContent = fmtCount(rates.pin);
    $('kpi-pout').textContent = fmtCount(rates.pout);
    $('kpi-bin').textContent = fmtBytes(rates.bin) + (rates.bin === null ? '' : '/s');
    $('kpi-bout').textContent = fmtBytes(rates.bout) + (rates.bout === null ? '' : '/s');
    $('kpi-busy').textContent = fmtPercent(num(s.busyPercent));
    $('kpi-ring').textContent = s.eventRingUsed === undefined ? '–' : fmtPercent(100 * s.eventRingUsed);

    // stages table
    const st = $('stages');
    st.textContent = '';
    for (const g of s.stages || []) {
      const none = g.count === 0; // nothing passed that stage in the last period
      const f = (v) => (none ? '–' : fmtMicros(toMicros(v, g.unit)));
      row(st, [g.name, f(g.p50), f(g.p99), f(g.max), fmtCount(g.count)], [false, true, true, true, true]);
    }

    // closes by reason, with the change over the last 10 s
    const t = s.timeMillis || Date.now();
    const by = s.closesByReason || {};
    closeHistory.push({ t, by });
    while (closeHistory.length > 1 && closeHistory[0].t < t - 10000) closeHistory.shift();
    const base = closeHistory[0].by;
    const cb = $('closes-by-reason');
    cb.textContent = '';
    const reasons = Object.keys(by).sort((a, b) => by[b] - by[a] || a.localeCompare(b));
    if (reasons.length === 0) row(cb, ['no closes yet', '', ''], [false, true, true], 'muted');
    for (const r of reasons) {
      const d = by[r] - (base[r] || 0);
      row(cb, [r, fmtCount(by[r]), d > 0 ? '+' + d : ''], [false, true, true]);
    }

    // recent closes, newest first
    const tb = $('closes').querySelector('tbody');
    tb.textContent = '';
    const recent = (s.recentCloses || []).slice().reverse();
    if (recent.length === 0) row(tb, ['no closes yet', '', '', ''], [], 'muted');
    for (const c of recent.slice(0, 50)) {
      row(tb, [c.timeMillis ? fmtTime(c.timeMillis) : '', c.session || '', c.reason || '', c.text || ''], []);
    }
  }

  function row(tbody, cells, numeric, cls) {
    const tr = document.createElement('tr');
    if (cls) tr.className = cls;
    cells.forEach((c, i) => {
      const td = document.createElement('td');
      td.textContent = c;
      if (numeric[i]) td.className = 'num';
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  }

  // ---- heatmap ----
  function drawHeatmap(hm) {
    const cols = hm.cols, rows = hm.rows;
    const players = hm.players || [], npcs = hm.npcsAwake || [];
    let pSum = 0, nSum = 0, pMax = 0, nMax = 0;
    for (let i = 0; i < players.length; i++) { pSum += players[i]; if (players[i] > pMax) pMax = players[i]; }
    for (let i = 0; i < npcs.length; i++) { nSum += npcs[i]; if (npcs[i] > nMax) nMax = npcs[i]; }
    admin.heatmapPlayers = pSum;
    admin.heatmapNpcs = nSum;
    admin.lastHeatmap = { cols, rows, cell: hm.cell, width: hm.width, height: hm.height };
    if (!(cols > 0 && rows > 0)) { // the game thread makes the first one on demand: next poll
      $('mm-info').textContent = 'waiting for the first heatmap…';
      return;
    }

    const cv = $('minimap');
    const scale = Math.max(1, Math.floor(400 / Math.max(cols, rows)));
    if (cv.width !== cols * scale || cv.height !== rows * scale) {
      cv.width = cols * scale;
      cv.height = rows * scale;
      const k = 400 / Math.max(cols, rows);
      cv.style.width = Math.round(cols * k) + 'px';
      cv.style.height = Math.round(rows * k) + 'px';
    }
    const off = document.createElement('canvas');
    off.width = cols;
    off.height = rows;
    const octx = off.getContext('2d');
    const img = octx.createImageData(cols, rows);
    const d = img.data;
    for (let i = 0; i < cols * rows; i++) {
      const p = players[i] || 0, n = npcs[i] || 0;
      let r = 17, g = 21, b = 26; // background
      if (n > 0) {
        const v = 0.35 + 0.65 * Math.sqrt(n / nMax);
        r = 255 * v; g = 122 * v; b = 40 * v;
      }
      if (p > 0) {
        const v = 0.55 + 0.45 * Math.sqrt(p / pMax);
        r = Math.max(r * 0.3, 80 * v); g = 230 * v; b = 255 * v;
      }
      d[i * 4] = r; d[i * 4 + 1] = g; d[i * 4 + 2] = b; d[i * 4 + 3] = 255;
    }
    octx.putImageData(img, 0, 0);
    const ctx = cv.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, cv.width, cv.height);
    $('mm-players').textContent = '(' + pSum + ')';
    $('mm-npcs').textContent = '(' + nSum + ')';
    $('mm-info').textContent = hm.width + ' x ' + hm.height + ' tiles, one pixel block = ' + hm.cell + ' x ' + hm.cell + ' tiles';
  }

  // ---- polling ----
  function banner(text) {
    const b = $('admin-banner');
    admin.error = text;
    if (text) {
      b.textContent = text;
      b.className = 'error';
    } else {
      b.textContent = '';
      b.className = 'hidden';
    }
  }

  function setConn(on, text) {
    $('conn-dot').classList.toggle('on', on);
    $('conn-text').textContent = text;
  }

  class HttpError extends Error {
    constructor(status, path) {
      super(path + ': HTTP ' + status);
      this.status = status;
    }
  }

  async function getJson(path) {
    const res = await fetch(path, { headers, cache: 'no-store' });
    if (!res.ok) throw new HttpError(res.status, path);
    return res.json();
  }

  async function poll() {
    try {
      const [s, hm] = await Promise.all([getJson('/admin/api/state'), getJson('/admin/api/heatmap')]);
      const rates = record(s);
      admin.lastState = s;
      admin.samples++;
      renderState(s, rates);
      drawCharts();
      drawHeatmap(hm);
      banner(null);
      setConn(true, 'updated ' + fmtTime(s.timeMillis || Date.now()));
    } catch (e) {
      if (e instanceof HttpError && (e.status === 403 || e.status === 401)) {
        banner('Access denied (HTTP ' + e.status + '): the admin API answers only requests from the server\'s own '
          + 'machine or with the admin token. ' + (token ? 'The token in this page\'s URL was refused.'
          : 'Add ?token=<admin token> to this page\'s URL.'));
        setConn(false, 'access denied');
      } else {
        banner('Cannot reach the server: ' + (e && e.message ? e.message : e) + '. Retrying every second.');
        setConn(false, 'unreachable');
      }
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  window.addEventListener('resize', () => { if (hist.times.length) drawCharts(); });
  drawCharts();
  poll();
})();
