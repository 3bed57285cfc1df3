/**
 * The projector page's browser script, inlined into the page (the CSP admits it by its SHA-256 hash).
 * Plain ES2017, no libraries. Points are written straight into an ImageData buffer: a canvas path per
 * point would take seconds at 100k points, the buffer takes milliseconds. A grid of screen cells finds
 * the point under the cursor without scanning every point.
 */
export const PROJECTOR_SCRIPT = String.raw`
(function () {
  'use strict';
  var meta = JSON.parse(document.getElementById('gb-meta').textContent);
  var raw = atob(document.getElementById('gb-data').textContent.trim());
  var bytes = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  var N = meta.count;
  var projections = meta.projections.map(function (p) { return { name: p.name, dims: p.dims, xyz: new Float32Array(bytes.buffer, p.offset, N * p.dims) }; });
  var K = meta.neighbors ? meta.neighbors.k : 0;
  var nbr = meta.neighbors ? new Int32Array(bytes.buffer, meta.neighbors.offset, N * K) : null;
  var im = meta.images;
  var pixels = im ? new Uint8Array(bytes.buffer, im.offset, im.count * im.width * im.height) : null;
  var columns = meta.columns;

  var PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
    '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5'];
  var VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]];
  function hexRgb(h) { return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]; }
  function viridis(t) {
    t = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
    var a = Math.min(VIRIDIS.length - 2, Math.floor(t)), f = t - a, p = VIRIDIS[a], q = VIRIDIS[a + 1];
    return [p[0] + (q[0] - p[0]) * f, p[1] + (q[1] - p[1]) * f, p[2] + (q[2] - p[2]) * f];
  }
  function pack(rgb) { return (255 << 24) | ((rgb[2] & 255) << 16) | ((rgb[1] & 255) << 8) | (rgb[0] & 255); }
  var GREY = pack([215, 215, 215]);

  var $ = function (id) { return document.getElementById(id); };
  var canvas = $('gb-canvas'), ctx = canvas.getContext('2d'), tip = $('gb-tip'), status = $('gb-status');
  var projSel = $('gb-projection'), colorSel = $('gb-color'), search = $('gb-search'), sizeIn = $('gb-size');
  projections.forEach(function (p, i) { var o = document.createElement('option'); o.value = i; o.textContent = p.name; projSel.appendChild(o); });
  columns.forEach(function (c, i) { var o = document.createElement('option'); o.value = i; o.textContent = c.name; colorSel.appendChild(o); });
  colorSel.value = String(meta.colorBy);

  var state = { proj: 0, color: meta.colorBy, zoom: 1, panX: 0, panY: 0, yaw: 0.6, pitch: 0.35, selected: -1, hover: -1 };
  var colors = new Uint32Array(N), category = new Int32Array(N), categories = [], hidden = {}, continuous = null, matches = null;

  // Colours: a column with at most 20 distinct values (or any text column) is categorical, else a viridis scale.
  function setColorColumn(ci) {
    state.color = ci; hidden = {}; continuous = null;
    var values = columns[ci] ? columns[ci].values : [];
    var counts = {}, keys = [], numeric = true;
    for (var i = 0; i < N; i++) {
      var v = values.length ? values[i] : '';
      if (typeof v !== 'number') numeric = false;
      var key = String(v);
      if (!(key in counts)) { counts[key] = 0; keys.push(key); }
      counts[key]++;
    }
    if (numeric && keys.length > 20) {
      var lo = Infinity, hi = -Infinity;
      for (i = 0; i < N; i++) { lo = Math.min(lo, values[i]); hi = Math.max(hi, values[i]); }
      continuous = { lo: lo, hi: hi };
      for (i = 0; i < N; i++) { colors[i] = pack(viridis(hi > lo ? (values[i] - lo) / (hi - lo) : 0.5)); category[i] = -1; }
      categories = [];
    } else {
      keys.sort(function (a, b) { return numeric ? Number(a) - Number(b) : counts[b] - counts[a] || (a < b ? -1 : 1); });
      var index = {};
      keys.forEach(function (k, j) { index[k] = j; });
      categories = keys.map(function (k, j) { return { name: k, count: counts[k], color: j < 20 ? PALETTE[j] : '#999999' }; });
      var packed = categories.map(function (c) { return pack(hexRgb(c.color)); });
      for (i = 0; i < N; i++) { var j = index[String(values.length ? values[i] : '')]; category[i] = j; colors[i] = packed[j]; }
    }
    drawLegend();
  }

  function drawLegend() {
    var el = $('gb-legend');
    el.textContent = '';
    if (continuous) {
      var bar = document.createElement('canvas'); bar.width = 200; bar.height = 12;
      var c = bar.getContext('2d');
      for (var x = 0; x < 200; x++) { var rgb = viridis(x / 199); c.fillStyle = 'rgb(' + rgb.map(Math.round).join(',') + ')'; c.fillRect(x, 0, 1, 12); }
      el.appendChild(bar);
      var lab = document.createElement('div'); lab.className = 'small';
      lab.textContent = columns[state.color].name + ': ' + fmt(continuous.lo) + ' .. ' + fmt(continuous.hi);
      el.appendChild(lab);
      return;
    }
    categories.slice(0, 40).forEach(function (cat, j) {
      var row = document.createElement('div');
      if (hidden[j]) row.className = 'off';
      var sw = document.createElement('span'); sw.className = 'sw'; sw.style.background = cat.color;
      var t = document.createElement('span'); t.textContent = cat.name + ' (' + cat.count + ')';
      row.appendChild(sw); row.appendChild(t);
      row.addEventListener('click', function () { hidden[j] = !hidden[j]; drawLegend(); render(); });
      el.appendChild(row);
    });
    if (categories.length > 40) { var more = document.createElement('div'); more.className = 'small'; more.textContent = (categories.length - 40) + ' more values (grey beyond the first 20)'; el.appendChild(more); }
  }
  function fmt(v) { return typeof v === 'number' ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(Math.round(v * 1000) / 1000)) : String(v); }

  // Screen positions: fit the data with 5% padding, then zoom and pan; 3-D rotates (yaw, pitch) and projects orthographically.
  var W = 0, H = 0, dpr = 1, sx = new Float32Array(N), sy = new Float32Array(N), depth = null, order = null;
  var fit = null;
  function computeFit() {
    var p = projections[state.proj], d = p.dims, xyz = p.xyz, lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
    for (var i = 0; i < N; i++) for (var a = 0; a < d; a++) { var v = xyz[i * d + a]; if (v < lo[a]) lo[a] = v; if (v > hi[a]) hi[a] = v; }
    var center = [0, 0, 0], radius = 1e-12;
    for (a = 0; a < d; a++) center[a] = (lo[a] + hi[a]) / 2;
    if (d === 3) { for (i = 0; i < N; i++) { var r = 0; for (a = 0; a < 3; a++) { var q = xyz[i * 3 + a] - center[a]; r += q * q; } if (r > radius) radius = r; } radius = Math.sqrt(radius); }
    fit = { lo: lo, hi: hi, center: center, radius: radius };
  }
  function positions() {
    var p = projections[state.proj], xyz = p.xyz, pad = 0.05, w = W * dpr, h = H * dpr, s, i;
    if (p.dims === 2) {
      var spanX = Math.max(fit.hi[0] - fit.lo[0], 1e-12), spanY = Math.max(fit.hi[1] - fit.lo[1], 1e-12);
      s = Math.min(w * (1 - 2 * pad) / spanX, h * (1 - 2 * pad) / spanY) * state.zoom;
      for (i = 0; i < N; i++) {
        sx[i] = w / 2 + (xyz[i * 2] - fit.center[0]) * s + state.panX * dpr;
        sy[i] = h / 2 - (xyz[i * 2 + 1] - fit.center[1]) * s + state.panY * dpr;
      }
      depth = null;
    } else {
      s = Math.min(w, h) * (0.5 - pad) / fit.radius * state.zoom;
      var cy = Math.cos(state.yaw), syw = Math.sin(state.yaw), cp = Math.cos(state.pitch), sp = Math.sin(state.pitch);
      if (!depth) { depth = new Float32Array(N); order = new Uint32Array(N); }
      for (i = 0; i < N; i++) {
        var x = xyz[i * 3] - fit.center[0], y = xyz[i * 3 + 1] - fit.center[1], z = xyz[i * 3 + 2] - fit.center[2];
        var x1 = cy * x + syw * z, z1 = -syw * x + cy * z;
        var y2 = cp * y - sp * z1, z2 = sp * y + cp * z1;
        sx[i] = w / 2 + x1 * s + state.panX * dpr; sy[i] = h / 2 - y2 * s + state.panY * dpr; depth[i] = z2;
      }
      for (i = 0; i < N; i++) order[i] = i;
      Array.prototype.sort.call(order, function (a, b) { return depth[a] - depth[b]; });
    }
  }

  // Hover lookup: points bucketed by 12-pixel screen cells.
  var CELL = 12, gridW = 0, gridH = 0, cellStart = null, cellPoints = null;
  function buildGrid() {
    gridW = Math.ceil(W / CELL) + 1; gridH = Math.ceil(H / CELL) + 1;
    var cells = gridW * gridH, counts = new Int32Array(cells + 1), cellOf = new Int32Array(N);
    for (var i = 0; i < N; i++) {
      var cx = Math.floor(sx[i] / dpr / CELL), cy = Math.floor(sy[i] / dpr / CELL);
      cellOf[i] = (cx >= 0 && cy >= 0 && cx < gridW && cy < gridH && visible(i)) ? cy * gridW + cx : -1;
      if (cellOf[i] >= 0) counts[cellOf[i] + 1]++;
    }
    for (var c = 0; c < cells; c++) counts[c + 1] += counts[c];
    cellStart = counts; cellPoints = new Int32Array(counts[cells]);
    var fill = counts.slice(0, cells);
    for (i = 0; i < N; i++) if (cellOf[i] >= 0) cellPoints[fill[cellOf[i]]++] = i;
  }
  function pointAt(mx, my) {
    var best = -1, bestD = 64, cx = Math.floor(mx / CELL), cy = Math.floor(my / CELL);
    for (var gy = cy - 1; gy <= cy + 1; gy++) for (var gx = cx - 1; gx <= cx + 1; gx++) {
      if (gx < 0 || gy < 0 || gx >= gridW || gy >= gridH) continue;
      var c = gy * gridW + gx;
      for (var j = cellStart[c]; j < cellStart[c + 1]; j++) {
        var i = cellPoints[j], dx = sx[i] / dpr - mx, dy = sy[i] / dpr - my, d = dx * dx + dy * dy;
        if (d < bestD) { bestD = d; best = i; }
      }
    }
    return best;
  }

  function visible(i) { return category[i] < 0 || !hidden[category[i]]; }

  function render() {
    var w = W * dpr, h = H * dpr;
    positions();
    var image = ctx.createImageData(w, h), out = new Uint32Array(image.data.buffer);
    out.fill(0xffffffff);
    var size = Math.max(1, Math.round(Number(sizeIn.value) * dpr)), half = Math.floor(size / 2);
    function dot(i, color) {
      var x0 = Math.round(sx[i]) - half, y0 = Math.round(sy[i]) - half;
      for (var y = Math.max(0, y0); y < Math.min(h, y0 + size); y++) {
        var row = y * w;
        for (var x = Math.max(0, x0); x < Math.min(w, x0 + size); x++) out[row + x] = color;
      }
    }
    var n, i, k;
    // Search: non-matching points drawn grey underneath the matches.
    for (n = 0; n < N; n++) { i = order && depth ? order[n] : n; if (visible(i) && matches && !matches[i]) dot(i, GREY); }
    for (n = 0; n < N; n++) { i = order && depth ? order[n] : n; if (visible(i) && (!matches || matches[i])) dot(i, colors[i]); }
    ctx.putImageData(image, 0, 0);
    ctx.save(); ctx.scale(dpr, dpr);
    if (state.selected >= 0) {
      ctx.strokeStyle = '#222'; ctx.lineWidth = 1;
      if (nbr) for (k = 0; k < K; k++) { var j = nbr[state.selected * K + k]; ctx.beginPath(); ctx.arc(sx[j] / dpr, sy[j] / dpr, 5, 0, 2 * Math.PI); ctx.stroke(); }
      ctx.lineWidth = 2.5; ctx.beginPath(); ctx.arc(sx[state.selected] / dpr, sy[state.selected] / dpr, 8, 0, 2 * Math.PI); ctx.stroke();
    }
    ctx.restore();
    buildGrid();
    var shown = 0; for (i = 0; i < N; i++) if (visible(i) && (!matches || matches[i])) shown++;
    status.textContent = projections[state.proj].name + ': ' + shown.toLocaleString() + ' of ' + N.toLocaleString() + ' points shown' + (matches ? ' (search)' : '') + '.';
  }

  function thumbnail(i, scale) {
    if (!pixels || i >= im.count) return null;
    var c = document.createElement('canvas'); c.width = im.width; c.height = im.height;
    c.style.width = im.width * scale + 'px'; c.style.height = im.height * scale + 'px';
    var g = c.getContext('2d'), data = g.createImageData(im.width, im.height), base = i * im.width * im.height;
    for (var p = 0; p < im.width * im.height; p++) {
      var v = pixels[base + p]; if (im.invert) v = 255 - v;
      data.data[4 * p] = data.data[4 * p + 1] = data.data[4 * p + 2] = v; data.data[4 * p + 3] = 255;
    }
    g.putImageData(data, 0, 0);
    return c;
  }
  function describe(i, el, full) {
    var img = thumbnail(i, full ? 3 : 2);
    if (img) el.appendChild(img);
    if (meta.textColumn >= 0) { var t = document.createElement('div'); t.className = 'text'; t.textContent = String(columns[meta.textColumn].values[i]); el.appendChild(t); }
    var lines = document.createElement('div');
    lines.textContent = '#' + i + ' ' + columns.filter(function (c, ci) { return ci !== meta.textColumn; }).map(function (c) { return c.name + '=' + fmt(c.values[i]); }).join('  ');
    el.appendChild(lines);
  }

  function select(i) {
    state.selected = i;
    var sel = $('gb-selected'), list = $('gb-neighbors');
    sel.textContent = ''; list.textContent = '';
    if (i < 0) { sel.textContent = 'Click a point to see it and its nearest neighbours in the original space.'; render(); return; }
    describe(i, sel, true);
    if (nbr) {
      var h = document.createElement('h2'); h.style.marginTop = '10px'; h.textContent = K + ' nearest neighbours (original space)'; list.appendChild(h);
      for (var k = 0; k < K; k++) (function (j) {
        var row = document.createElement('div'); row.className = 'nb';
        describe(j, row, false);
        row.addEventListener('click', function () { select(j); });
        list.appendChild(row);
      })(nbr[i * K + k]);
    }
    render();
  }

  function applySearch() {
    var q = search.value.trim().toLowerCase();
    if (!q) { matches = null; render(); return; }
    matches = new Uint8Array(N);
    var eq = q.indexOf('='), cols = columns, col = -1, want = q;
    if (eq > 0) { var name = q.slice(0, eq).trim(); want = q.slice(eq + 1).trim(); col = cols.findIndex(function (c) { return c.name.toLowerCase() === name; }); }
    for (var i = 0; i < N; i++) {
      if (col >= 0) { matches[i] = String(cols[col].values[i]).toLowerCase() === want ? 1 : 0; continue; }
      for (var c = 0; c < cols.length; c++) if (String(cols[c].values[i]).toLowerCase().indexOf(want) >= 0) { matches[i] = 1; break; }
    }
    render();
  }

  function resize() {
    var side = 330;
    W = Math.max(320, Math.min(1100, window.innerWidth - side - 60)); H = Math.max(300, Math.min(W * 0.75, window.innerHeight - 150));
    dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr); canvas.style.width = W + 'px'; canvas.style.height = H + 'px';
    render();
  }

  var drag = null;
  canvas.addEventListener('mousedown', function (e) { drag = { x: e.clientX, y: e.clientY, moved: false, shift: e.shiftKey }; });
  window.addEventListener('mouseup', function (e) {
    if (drag && !drag.moved) { var r = canvas.getBoundingClientRect(); select(pointAt(e.clientX - r.left, e.clientY - r.top)); }
    drag = null;
  });
  canvas.addEventListener('mousemove', function (e) {
    var r = canvas.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top;
    if (drag) {
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
      if (drag.moved) {
        if (projections[state.proj].dims === 3 && !drag.shift) { state.yaw += dx * 0.01; state.pitch += dy * 0.01; }
        else { state.panX += dx; state.panY += dy; }
        drag.x = e.clientX; drag.y = e.clientY; tip.hidden = true; render(); return;
      }
    }
    var i = pointAt(mx, my);
    if (i < 0) { tip.hidden = true; return; }
    tip.textContent = ''; describe(i, tip, false); tip.hidden = false;
    tip.style.left = Math.min(mx + 14, W - 200) + 'px'; tip.style.top = Math.min(my + 14, H - 60) + 'px';
  });
  canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
  canvas.addEventListener('wheel', function (e) {
    e.preventDefault();
    var r = canvas.getBoundingClientRect(), mx = e.clientX - r.left - W / 2, my = e.clientY - r.top - H / 2;
    var f = Math.exp(-e.deltaY * 0.0015), zoom = Math.max(0.2, Math.min(500, state.zoom * f)); f = zoom / state.zoom;
    state.panX = mx - (mx - state.panX) * f; state.panY = my - (my - state.panY) * f; state.zoom = zoom;
    render();
  }, { passive: false });
  projSel.addEventListener('change', function () { state.proj = Number(projSel.value); depth = null; computeFit(); render(); });
  colorSel.addEventListener('change', function () { setColorColumn(Number(colorSel.value)); render(); });
  search.addEventListener('input', applySearch);
  sizeIn.addEventListener('input', render);
  $('gb-reset').addEventListener('click', function () { state.zoom = 1; state.panX = 0; state.panY = 0; state.yaw = 0.6; state.pitch = 0.35; render(); });
  window.addEventListener('resize', resize);

  // A link can open a view: #projection=1&color=prediction&search=label%3D3&select=42
  var params = {};
  location.hash.slice(1).split('&').forEach(function (kv) { var at = kv.indexOf('='); if (at > 0) params[kv.slice(0, at)] = decodeURIComponent(kv.slice(at + 1)); });
  if (params.projection && Number(params.projection) < projections.length) { state.proj = Number(params.projection); projSel.value = params.projection; }
  var startColor = columns.findIndex(function (c) { return c.name === params.color; });
  if (startColor >= 0) colorSel.value = String(startColor);
  setColorColumn(startColor >= 0 ? startColor : meta.colorBy);
  computeFit();
  resize();
  if (params.search) { search.value = params.search; applySearch(); }
  if (params.select && Number(params.select) >= 0 && Number(params.select) < N) select(Number(params.select));
})();
`;
