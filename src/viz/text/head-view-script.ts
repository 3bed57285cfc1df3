/**
 * The head view's browser script, inlined into the page (the CSP admits it by its SHA-256 hash).
 * Plain ES2017, no libraries. Everything is drawn on canvases: a 512-token head view is tens of
 * thousands of lines, which SVG (BertViz) cannot redraw on hover; a canvas redraws it in milliseconds.
 */
export const HEAD_VIEW_SCRIPT = String.raw`
(function () {
  'use strict';
  var meta = JSON.parse(document.getElementById('gb-meta').textContent);
  var raw = atob(document.getElementById('gb-data').textContent.trim());
  var bytes = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  var u16 = new Uint16Array(bytes.buffer);
  var n = meta.length, K = meta.k, per = n * K, total = meta.maps;
  var keysAll = u16.subarray(0, total * per), wAll = u16.subarray(total * per, 2 * total * per);
  var tokens = meta.tokens, panels = meta.panels;
  var PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#ad494a', '#637939', '#843c39', '#7b4173', '#3182bd'];
  var BLUES = [[247, 251, 255], [222, 235, 247], [198, 219, 239], [158, 202, 225], [107, 174, 214], [66, 146, 198], [33, 113, 181], [8, 81, 156], [8, 48, 107]];
  function blue(t) {
    t = Math.max(0, Math.min(1, t)) * (BLUES.length - 1);
    var a = Math.min(BLUES.length - 2, Math.floor(t)), f = t - a, p = BLUES[a], q = BLUES[a + 1];
    return [p[0] + (q[0] - p[0]) * f, p[1] + (q[1] - p[1]) * f, p[2] + (q[2] - p[2]) * f];
  }
  function weight(m, q, j) { return wAll[m * per + q * K + j] / 65535 * meta.scales[m]; }
  function key(m, q, j) { return keysAll[m * per + q * K + j]; }

  var $ = function (id) { return document.getElementById(id); };
  var layerSel = $('gb-layer'), headSel = $('gb-head'), viewSel = $('gb-view'), linesIn = $('gb-lines-per'), status = $('gb-status');
  var state = { panel: 0, head: -1, view: n > 160 ? 'matrix' : 'lines', focus: null, pinned: false };
  panels.forEach(function (p, i) { var o = document.createElement('option'); o.value = i; o.textContent = p.name; layerSel.appendChild(o); });
  function fillHeads() {
    var p = panels[state.panel];
    headSel.innerHTML = '';
    if (p.heads > 1) { var o = document.createElement('option'); o.value = -1; o.textContent = 'all heads'; headSel.appendChild(o); }
    for (var h = 0; h < p.heads; h++) { var o2 = document.createElement('option'); o2.value = h; o2.textContent = 'head ' + h; headSel.appendChild(o2); }
    if (state.head >= p.heads || (p.heads === 1 && state.head < 0)) state.head = p.heads > 1 ? -1 : 0;
    headSel.value = state.head;
  }
  function heads() {
    var p = panels[state.panel];
    if (state.head >= 0) return [state.head];
    var out = []; for (var h = 0; h < p.heads; h++) out.push(h); return out;
  }
  function mapIndex(h) { return panels[state.panel].first + h; }
  function headColor(h) { return panels[state.panel].heads === 1 ? '#1f77b4' : PALETTE[h % PALETTE.length]; }

  /** Mean over the selected heads of query q's distribution, as a dense row. */
  function meanRow(q) {
    var row = new Float64Array(n), hs = heads();
    hs.forEach(function (h) { var m = mapIndex(h); for (var j = 0; j < K; j++) row[key(m, q, j)] += weight(m, q, j) / hs.length; });
    return row;
  }
  /** Mean over the selected heads of how much each query puts on key k. */
  function meanColumn(k) {
    var col = new Float64Array(n), hs = heads();
    hs.forEach(function (h) { var m = mapIndex(h); for (var q = 0; q < n; q++) for (var j = 0; j < K; j++) if (key(m, q, j) === k) col[q] += weight(m, q, j) / hs.length; });
    return col;
  }
  function fmt(v) { return v >= 0.1 ? v.toFixed(2) : v.toPrecision(2); }
  function describe() {
    var f = state.focus;
    if (!f) { status.textContent = meta.note + (state.view === 'matrix' ? ' Hover over a cell to read it; click to pin.' : ' Hover over a token to focus it; click to pin.'); return; }
    if (f.cell !== undefined) {
      status.textContent = '"' + tokens[f.index] + '" (' + f.index + ') -> "' + tokens[f.cell] + '" (' + f.cell + '): ' + fmt(matrixImage().dense[f.index * n + f.cell]) + (state.pinned ? '  [pinned]' : '');
      return;
    }
    var vals = f.side === 'q' ? meanRow(f.index) : meanColumn(f.index);
    var order = Array.from(vals.keys()).sort(function (a, b) { return vals[b] - vals[a]; }).slice(0, 6).filter(function (i) { return vals[i] > 0; });
    var who = '"' + tokens[f.index] + '" (' + f.index + ')';
    status.textContent = (f.side === 'q' ? who + ' attends to: ' : 'attending to ' + who + ': ') +
      order.map(function (i) { return '"' + tokens[i] + '" (' + i + ') ' + fmt(vals[i]); }).join(', ') + (state.pinned ? '  [pinned: click to release]' : '');
  }

  // ---- lines view ---------------------------------------------------------------------------------
  var lines = $('gb-lines-canvas'), lctx = lines.getContext('2d');
  var rowH = n > 200 ? 13 : n > 80 ? 15 : 20, fontPx = rowH >= 20 ? 13 : rowH >= 15 ? 11 : 10, topPad = 8, colW = 0, W = 0, numW = 0;
  function sizeLines() {
    lctx.font = fontPx + 'px "DejaVu Sans", Verdana, sans-serif';
    numW = n > 30 ? lctx.measureText(String(n - 1)).width + 6 : 0;
    colW = Math.min(160, Math.max.apply(null, tokens.map(function (t) { return lctx.measureText(t).width; })) + 12) + numW;
    W = Math.max(420, Math.min(900, lines.parentElement.clientWidth - 4));
    var H = topPad * 2 + n * rowH, dpr = window.devicePixelRatio || 1;
    lines.width = Math.round(W * dpr); lines.height = Math.round(H * dpr);
    lines.style.width = W + 'px'; lines.style.height = H + 'px';
    lctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }
  function y(i) { return topPad + i * rowH + rowH / 2; }
  function clip(t, w) { if (lctx.measureText(t).width <= w) return t; while (t.length > 1 && lctx.measureText(t + '…').width > w) t = t.slice(0, -1); return t + '…'; }
  function drawLines() {
    var H = topPad * 2 + n * rowH;
    lctx.clearRect(0, 0, W, H);
    lctx.font = fontPx + 'px "DejaVu Sans", Verdana, sans-serif';
    lctx.textBaseline = 'middle';
    var f = state.focus, x0 = colW + 6, x1 = W - colW - 6, hs = heads();
    var shade = f ? (f.side === 'q' ? meanRow(f.index) : meanColumn(f.index)) : null;
    var shadeMax = 0; if (shade) for (var s = 0; s < n; s++) shadeMax = Math.max(shadeMax, shade[s]);
    for (var i = 0; i < n; i++) {
      var lt = clip(tokens[i], colW - numW - 10), rt = lt;
      // The focused token, and the tokens on the other side shaded by their weight.
      if (f && f.side === 'q' && f.index === i) { lctx.fillStyle = '#ffe08a'; lctx.fillRect(2 + numW, y(i) - rowH / 2 + 1, colW - numW - 4, rowH - 2); }
      if (f && f.side === 'k' && f.index === i) { lctx.fillStyle = '#ffe08a'; lctx.fillRect(W - colW + 2, y(i) - rowH / 2 + 1, colW - numW - 4, rowH - 2); }
      if (shade && shade[i] > 0) {
        var c = blue(shade[i] / (shadeMax || 1));
        lctx.fillStyle = 'rgb(' + c.map(Math.round).join(',') + ')';
        if (f.side === 'q') lctx.fillRect(W - colW + 2, y(i) - rowH / 2 + 1, colW - numW - 4, rowH - 2); else lctx.fillRect(2 + numW, y(i) - rowH / 2 + 1, colW - numW - 4, rowH - 2);
      }
      lctx.fillStyle = '#333';
      lctx.textAlign = 'right'; lctx.fillStyle = shade && f.side === 'k' && shade[i] / (shadeMax || 1) > 0.6 ? '#fff' : '#333'; lctx.fillText(lt, colW - 6, y(i));
      lctx.textAlign = 'left'; lctx.fillStyle = shade && f.side === 'q' && shade[i] / (shadeMax || 1) > 0.6 ? '#fff' : '#333'; lctx.fillText(rt, W - colW + 6, y(i));
      if (numW) { lctx.fillStyle = '#aaa'; lctx.textAlign = 'left'; lctx.fillText(String(i), 2, y(i)); lctx.textAlign = 'right'; lctx.fillText(String(i), W - 2, y(i)); }
    }
    var perToken = f ? K : Math.max(1, Math.min(K, +linesIn.value || 1));
    var minW = f ? 0.005 : 0.02;
    lctx.lineWidth = f ? 2 : 1.2;
    hs.forEach(function (h) {
      var m = mapIndex(h), color = headColor(h);
      lctx.strokeStyle = color;
      var qs = f && f.side === 'q' ? [f.index] : null;
      for (var q = 0; q < n; q++) {
        if (qs && q !== f.index) continue;
        for (var j = 0; j < K && (f && f.side === 'k' ? true : j < perToken); j++) {
          var w = weight(m, q, j), kk = key(m, q, j);
          if (w < minW) break;
          if (f && f.side === 'k' && kk !== f.index) continue;
          lctx.globalAlpha = Math.min(1, (f ? 0.15 + w : w) * (hs.length > 1 ? 0.8 : 1));
          lctx.beginPath(); lctx.moveTo(x0, y(q)); lctx.lineTo(x1, y(kk)); lctx.stroke();
        }
      }
    });
    lctx.globalAlpha = 1;
  }
  function pick(ev, canvas) { var r = canvas.getBoundingClientRect(); return { x: ev.clientX - r.left, y: ev.clientY - r.top }; }
  var pending = false;
  function redraw() { if (pending) return; pending = true; requestAnimationFrame(function () { pending = false; render(); }); }
  lines.addEventListener('mousemove', function (ev) {
    if (state.pinned) return;
    var p = pick(ev, lines), i = Math.floor((p.y - topPad) / rowH);
    var f = i >= 0 && i < n && (p.x < colW || p.x > W - colW) ? { side: p.x < W / 2 ? 'q' : 'k', index: i } : null;
    if (JSON.stringify(f) !== JSON.stringify(state.focus)) { state.focus = f; redraw(); }
  });
  lines.addEventListener('mouseleave', function () { if (!state.pinned && state.focus) { state.focus = null; redraw(); } });
  lines.addEventListener('click', function () { if (state.focus) { state.pinned = !state.pinned; redraw(); } });

  // ---- matrix view ------------------------------------------------------------------------------
  var mat = $('gb-matrix-canvas'), mctx = mat.getContext('2d'), S = 0, off = document.createElement('canvas');
  var matrixCache = { id: '', dense: null, vmax: 1 };
  /** The dense mean over the selected heads, its colour scale and its pixels, rebuilt only when the selection changes. */
  function matrixImage() {
    var id = state.panel + ':' + state.head;
    if (matrixCache.id === id) return matrixCache;
    var octx = off.getContext('2d'), img = octx.createImageData(n, n), dense = new Float64Array(n * n), hs = heads();
    off.width = n; off.height = n;
    hs.forEach(function (h) { var m = mapIndex(h); for (var q = 0; q < n; q++) for (var j = 0; j < K; j++) dense[q * n + key(m, q, j)] += weight(m, q, j) / hs.length; });
    var sorted = Float64Array.from(dense).sort(), vmax = sorted[Math.floor(0.99 * (sorted.length - 1))] || sorted[sorted.length - 1] || 1;
    for (var i = 0; i < n * n; i++) { var c = blue(dense[i] / vmax); img.data[i * 4] = c[0]; img.data[i * 4 + 1] = c[1]; img.data[i * 4 + 2] = c[2]; img.data[i * 4 + 3] = 255; }
    octx.putImageData(img, 0, 0);
    matrixCache = { id: id, dense: dense, vmax: vmax };
    $('gb-matrix-scale').textContent = 'colour: 0 (white) to ' + fmt(vmax) + ' (dark blue, the 99th percentile); rows = queries (attending), columns = keys (attended to)';
    return matrixCache;
  }
  function drawMatrix() {
    var size = Math.max(256, Math.min(760, mat.parentElement.clientWidth - 4)), dpr = window.devicePixelRatio || 1;
    if (size !== S || mat.width !== Math.round(size * dpr)) { S = size; mat.width = Math.round(S * dpr); mat.height = Math.round(S * dpr); mat.style.width = S + 'px'; mat.style.height = S + 'px'; }
    matrixImage();
    mctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    mctx.imageSmoothingEnabled = false;
    mctx.drawImage(off, 0, 0, S, S);
    var f = state.focus;
    if (f) {
      mctx.strokeStyle = '#e6550d'; mctx.lineWidth = 1.5;
      var cs = S / n;
      if (f.side === 'q') mctx.strokeRect(0.5, f.index * cs, S - 1, Math.max(cs, 1)); else mctx.strokeRect(f.index * cs, 0.5, Math.max(cs, 1), S - 1);
      if (f.cell !== undefined) mctx.strokeRect(f.cell * cs, f.index * cs, Math.max(cs, 2), Math.max(cs, 2));
    }
  }
  mat.addEventListener('mousemove', function (ev) {
    if (state.pinned) return;
    var p = pick(ev, mat), q = Math.floor(p.y / S * n), k = Math.floor(p.x / S * n);
    if (q < 0 || q >= n || k < 0 || k >= n) return;
    state.focus = { side: 'q', index: q, cell: k };
    redraw();
  });
  mat.addEventListener('mouseleave', function () { if (!state.pinned) { state.focus = null; redraw(); } });
  mat.addEventListener('click', function () { state.pinned = !state.pinned; });

  // ---- model view: every layer and head as a thumbnail ------------------------------------------------
  var model = $('gb-model-canvas'), gctx = model.getContext('2d'), T = 64, maxHeads = Math.max.apply(null, panels.map(function (p) { return p.heads; })), labelW = 110;
  function drawModel() {
    var avail = Math.max(400, model.parentElement.clientWidth - 4);
    T = Math.max(36, Math.min(96, Math.floor((avail - labelW) / maxHeads) - 4));
    var Wm = labelW + maxHeads * (T + 4), Hm = 22 + panels.length * (T + 4), dpr = window.devicePixelRatio || 1;
    model.width = Math.round(Wm * dpr); model.height = Math.round(Hm * dpr); model.style.width = Wm + 'px'; model.style.height = Hm + 'px';
    gctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    gctx.clearRect(0, 0, Wm, Hm);
    gctx.font = '11px "DejaVu Sans", Verdana, sans-serif'; gctx.fillStyle = '#555'; gctx.textBaseline = 'middle';
    for (var h = 0; h < maxHeads; h++) { gctx.textAlign = 'center'; gctx.fillText('head ' + h, labelW + h * (T + 4) + T / 2, 10); }
    var img = gctx.createImageData(T, T);
    panels.forEach(function (p, pi) {
      gctx.textAlign = 'right'; gctx.fillStyle = '#333'; gctx.fillText(p.name, labelW - 8, 22 + pi * (T + 4) + T / 2);
      for (var h = 0; h < p.heads; h++) {
        // Max-pool the weights into T x T pixels, so a sharp head stays visible at 512 tokens.
        var m = p.first + h, buf = new Float64Array(T * T), max = 0;
        for (var q = 0; q < n; q++) {
          var y0 = Math.floor(q * T / n), y1 = Math.max(y0 + 1, Math.floor((q + 1) * T / n));
          for (var j = 0; j < K; j++) {
            var w = weight(m, q, j), kk = key(m, q, j), x0 = Math.floor(kk * T / n), x1 = Math.max(x0 + 1, Math.floor((kk + 1) * T / n));
            if (w > max) max = w;
            for (var py = y0; py < y1; py++) for (var px = x0; px < x1; px++) if (w > buf[py * T + px]) buf[py * T + px] = w;
          }
        }
        for (var i = 0; i < T * T; i++) { var c = blue(buf[i] / (max || 1)); img.data[i * 4] = c[0]; img.data[i * 4 + 1] = c[1]; img.data[i * 4 + 2] = c[2]; img.data[i * 4 + 3] = 255; }
        var x = labelW + h * (T + 4), yy = 22 + pi * (T + 4);
        gctx.putImageData(img, x * dpr, yy * dpr);
        if (dpr !== 1) { var tmp = document.createElement('canvas'); tmp.width = T; tmp.height = T; tmp.getContext('2d').putImageData(img, 0, 0); gctx.clearRect(x, yy, T, T); gctx.imageSmoothingEnabled = false; gctx.drawImage(tmp, x, yy, T, T); }
        if (pi === state.panel && (state.head === h || state.head < 0)) { gctx.strokeStyle = '#e6550d'; gctx.lineWidth = 2; gctx.strokeRect(x - 1, yy - 1, T + 2, T + 2); }
      }
    });
  }
  model.addEventListener('click', function (ev) {
    var p = pick(ev, model), h = Math.floor((p.x - labelW) / (T + 4)), pi = Math.floor((p.y - 22) / (T + 4));
    if (pi < 0 || pi >= panels.length || h < 0 || h >= panels[pi].heads) return;
    state.panel = pi; state.head = h; layerSel.value = pi; fillHeads(); headSel.value = h;
    state.view = n > 160 ? 'matrix' : 'lines'; viewSel.value = state.view; state.focus = null; state.pinned = false; render();
  });
  model.addEventListener('mousemove', function (ev) {
    var p = pick(ev, model), h = Math.floor((p.x - labelW) / (T + 4)), pi = Math.floor((p.y - 22) / (T + 4));
    status.textContent = pi >= 0 && pi < panels.length && h >= 0 && h < panels[pi].heads ? panels[pi].name + ', head ' + h + ' (click to open)' : 'Every layer (rows) and head (columns); click one to open it.';
  });

  function legend() {
    var el = $('gb-heads-legend'), p = panels[state.panel];
    el.innerHTML = '';
    if (state.view === 'model' || p.heads === 1) return;
    for (var h = 0; h < p.heads; h++) {
      var chip = document.createElement('span');
      chip.textContent = h;
      chip.title = 'head ' + h + ' (click to show only this head; click again for all)';
      chip.className = 'chip' + (state.head === h ? ' on' : '');
      chip.style.background = headColor(h);
      chip.dataset.head = h;
      el.appendChild(chip);
    }
  }
  $('gb-heads-legend').addEventListener('click', function (ev) {
    var h = ev.target && ev.target.dataset ? ev.target.dataset.head : undefined;
    if (h === undefined) return;
    state.head = state.head === +h ? -1 : +h; headSel.value = state.head; render();
  });
  function render() {
    legend();
    ['lines', 'matrix', 'model'].forEach(function (v) { $('gb-' + v).hidden = v !== state.view; });
    linesIn.parentElement.hidden = state.view !== 'lines';
    headSel.parentElement.hidden = state.view === 'model';
    layerSel.parentElement.hidden = state.view === 'model';
    if (state.view === 'lines') { drawLines(); describe(); }
    else if (state.view === 'matrix') { drawMatrix(); describe(); }
    else { drawModel(); status.textContent = 'Every layer (rows) and head (columns), each a query x key map; click one to open it.'; }
  }
  layerSel.addEventListener('change', function () { state.panel = +layerSel.value; fillHeads(); state.pinned = false; render(); });
  headSel.addEventListener('change', function () { state.head = +headSel.value; render(); });
  viewSel.addEventListener('change', function () { state.view = viewSel.value; state.focus = null; state.pinned = false; if (state.view === 'lines') sizeLines(); render(); });
  linesIn.addEventListener('input', function () { render(); });
  window.addEventListener('resize', function () { if (state.view === 'lines') sizeLines(); render(); });
  fillHeads();
  viewSel.value = state.view;
  linesIn.value = n > 64 ? 2 : Math.min(K, 8);
  sizeLines();
  // The page's state can come from the address: #view=lines&layer=2&head=3&focus=q5 (k5 for a key), pinned.
  (location.hash || '').slice(1).split('&').forEach(function (kv) {
    var p = kv.split('='), v = decodeURIComponent(p[1] || '');
    if (p[0] === 'view' && ['lines', 'matrix', 'model'].indexOf(v) >= 0) state.view = v;
    if (p[0] === 'layer' && +v >= 0 && +v < panels.length) { state.panel = +v; layerSel.value = v; fillHeads(); }
    if (p[0] === 'head' && +v >= -1 && +v < panels[state.panel].heads) { state.head = +v; headSel.value = v; }
    if (p[0] === 'focus' && /^[qk][0-9]+$/.test(v) && +v.slice(1) < n) { state.focus = { side: v[0], index: +v.slice(1) }; state.pinned = true; }
  });
  viewSel.value = state.view;
  render();
  if (state.focus && state.view === 'lines') lines.parentElement.scrollTop = Math.max(0, y(state.focus.index) - lines.parentElement.clientHeight / 2);
  document.body.dataset.ready = 'true';
})();
`;
