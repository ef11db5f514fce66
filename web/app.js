// PatrolIQ dashboard: plain JavaScript over the server's JSON API, Leaflet and Chart.js from Debian.
'use strict';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const OSM = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
const state = { loaded: {}, charts: {}, errors: 0 };
// Several jurisdictions: ?city=NAME reads everything from /c/NAME/… (the server's /api/cities lists them).
const CITY = (() => { const c = new URLSearchParams(location.search).get('city'); return c && /^[a-z0-9_-]{1,32}$/.test(c) ? c : null; })();
const API = CITY ? '/c/' + CITY : '';

// Every JavaScript error is counted on <body data-errors>, so a headless browser test can read it.
function noteError(message) {
  state.errors += 1;
  document.body.dataset.errors = String(state.errors);
  setStatus('Error: ' + message);
}
window.addEventListener('error', (e) => noteError(e.message));
window.addEventListener('unhandledrejection', (e) => noteError(String(e.reason)));

function setStatus(text) { document.getElementById('status').textContent = text; }
function el(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') n.className = v; else if (k === 'text') n.textContent = v; else n.setAttribute(k, v);
  }
  for (const c of children) n.append(c);
  return n;
}
async function getJSON(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
  return r.json();
}
async function tryJSON(url) { try { return await getJSON(url); } catch (e) { return null; } }
// Leaflet's attribution control takes HTML; data-derived text is escaped before it gets there.
const escapeHTML = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
// ---------------------------------------------------------------- Filter (shared by Map, Temporal, Statistics)
// The filter lives in the URL (?types=…&hours=22-4&days=fri,sat…), so a link reproduces the view.
const FILTER_PARAMS = ['types', 'hours', 'days', 'since', 'until', 'arrest', 'domestic'];
function currentFilter() {
  const params = new URLSearchParams(location.search), q = new URLSearchParams();
  for (const k of FILTER_PARAMS) if (params.get(k)) q.set(k, params.get(k));
  return q;
}
const filtered = () => currentFilter().toString() !== '';
const statsURL = () => API + '/api/stats' + (filtered() ? '?' + currentFilter().toString() : '');

async function initFilterBar() {
  const bar = document.getElementById('filter-bar');
  const stats = await tryJSON(API + '/api/stats');
  const types = document.getElementById('f-types');
  types.replaceChildren(...(stats ? stats.types : []).map((t) => el('option', { value: t.type, text: `${t.type} (${num(t.count)})` })));
  // The hour window: two sliders; an end at or before the start runs past midnight.
  const from = document.getElementById('f-from'), to = document.getElementById('f-to');
  const any = document.getElementById('f-hours-any');
  const showHours = () => {
    const a = Number(from.value), b = Number(to.value);
    bar.querySelector('.hours').classList.toggle('any', any.checked);
    document.getElementById('f-hours-text').textContent = any.checked ? 'all day'
      : a === b % 24 ? 'empty window' : `${a}:00 → ${b % 24}:00${b <= a ? ' (past midnight)' : ''}`;
  };
  for (const n of [from, to]) n.addEventListener('input', () => { any.checked = false; showHours(); });
  any.addEventListener('change', showHours);
  const chips = bar.querySelector('.chips');
  chips.replaceChildren(...['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d, i) =>
    el('label', {}, el('input', { type: 'checkbox', value: d, 'aria-label': WEEKDAYS[i] }), el('span', { text: WEEKDAYS[i] }))));
  const f = currentFilter();
  const chosen = new Set((f.get('types') || '').split(',').filter(Boolean));
  for (const o of types.options) o.selected = chosen.has(o.value);
  if (f.get('hours')) {
    const [a, b] = f.get('hours').split('-');
    from.value = a; to.value = b === '0' ? '24' : b;
    any.checked = false;
  }
  showHours();
  const days = new Set((f.get('days') || '').split(','));
  for (const c of chips.querySelectorAll('input')) c.checked = days.has(c.value);
  document.getElementById('f-since').value = f.get('since') || '';
  document.getElementById('f-until').value = f.get('until') || '';
  document.getElementById('f-arrest').value = f.get('arrest') || '';
  document.getElementById('f-domestic').value = f.get('domestic') || '';
  bar.addEventListener('submit', (e) => { e.preventDefault(); applyFilter(readFilterBar()).catch((err) => noteError(err.message)); });
  document.getElementById('f-clear').addEventListener('click', () => { bar.reset(); for (const o of types.options) o.selected = false; showHours(); applyFilter(new URLSearchParams()).catch((err) => noteError(err.message)); });
  document.getElementById('f-compare').addEventListener('click', () => {
    // The filter now applied becomes B; the bar keeps editing A.
    const params = new URLSearchParams(location.search);
    if (params.has('compare')) params.delete('compare'); else params.set('compare', currentFilter().toString() || 'all');
    history.replaceState(null, '', '?' + params.toString() + location.hash);
    if (state.refreshCompare) state.refreshCompare().catch((err) => noteError(err.message));
  });
  await showFilterCount();
}

// The kept filter B of compare mode ('all' for no filter), or null.
function compareFilter() {
  const c = new URLSearchParams(location.search).get('compare');
  if (c === null) return null;
  return new URLSearchParams(c === 'all' ? '' : c);
}
const describeFilter = (q) => (q.toString() ? decodeURIComponent(q.toString()).replaceAll('&', ' · ') : 'all incidents');

function readFilterBar() {
  const q = new URLSearchParams();
  const types = [...document.getElementById('f-types').selectedOptions].map((o) => o.value);
  if (types.length) q.set('types', types.join(','));
  const a = document.getElementById('f-from').value, b = document.getElementById('f-to').value;
  if (!document.getElementById('f-hours-any').checked && Number(a) !== Number(b) % 24) q.set('hours', `${a}-${b}`);
  const days = [...document.querySelectorAll('#filter-bar .chips input:checked')].map((c) => c.value);
  if (days.length && days.length < 7) q.set('days', days.join(','));
  for (const [id, k] of [['f-since', 'since'], ['f-until', 'until'], ['f-arrest', 'arrest'], ['f-domestic', 'domestic']]) {
    const v = document.getElementById(id).value;
    if (v) q.set(k, v);
  }
  return q;
}

// A new filter: into the URL, then every view redraws from it (the map's heat layer, the charts, the tables).
async function applyFilter(q) {
  const params = new URLSearchParams(location.search);
  for (const k of FILTER_PARAMS) params.delete(k);
  for (const [k, v] of q) params.set(k, v);
  history.replaceState(null, '', '?' + params.toString() + location.hash);
  state.loaded.temporal = false;
  state.loaded.stats = false;
  await showFilterCount();
  if (state.refreshHeat) await state.refreshHeat();
  if (state.refreshCompare && compareFilter()) await state.refreshCompare();
  if (state.refreshStreet) state.refreshStreet();
  const view = document.body.dataset.view;
  if (view === 'temporal' || view === 'stats') await show(view);
}

async function showFilterCount() {
  const out = document.getElementById('f-count');
  if (!filtered()) { out.textContent = ''; delete document.body.dataset.filterTotal; return; }
  const r = await fetch(statsURL());
  const body = await r.json();
  if (!r.ok) { out.textContent = body.error ? body.error.message : 'HTTP ' + r.status; document.body.dataset.filterTotal = '0'; return; }
  out.textContent = `${num(body.total)} incidents match`;
  document.body.dataset.filterTotal = String(body.total);
}

const pct = (v) => (v * 100).toFixed(1) + ' %';
const num = (v) => Number(v).toLocaleString('en-US');

function table(node, head, rows) {
  node.replaceChildren(el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', { text: String(c) }))))));
}

function chart(id, config) {
  if (state.charts[id]) state.charts[id].destroy();
  config.options = Object.assign({ animation: false, responsive: true, plugins: { legend: { display: false } } }, config.options || {});
  state.charts[id] = new Chart(document.getElementById(id), config);
}

// Heat colours for the hour × weekday matrix (yellow → red), matching the tile ramp.
function heat(t) {
  const stops = [[255, 243, 176], [253, 198, 92], [247, 133, 59], [224, 65, 44], [179, 18, 46]];
  const x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2), f = x - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// ---------------------------------------------------------------- Map
async function loadMap() {
  const params = new URLSearchParams(location.search);
  const map = L.map('map', { zoomControl: true, preferCanvas: true }).setView([41.85, -87.68], 11);
  state.map = map;
  // Base map: OpenStreetMap by default (with attribution); a plain background when unreachable.
  const baseInput = document.getElementById('basemap');
  const saved = params.get('basemap') ?? localStorage.getItem('patroliq.basemap') ?? OSM;
  baseInput.value = saved === 'none' ? '' : saved;
  let base = null;
  function setBase(url) {
    if (base) map.removeLayer(base);
    base = null;
    const note = document.getElementById('basemap-note');
    document.getElementById('map').classList.remove('offline');
    if (!url) { document.getElementById('map').classList.add('offline'); note.textContent = 'No base map: plain background.'; return; }
    let loaded = 0, failed = 0;
    base = L.tileLayer(url, { maxZoom: 19, attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' });
    base.on('tileload', () => { loaded += 1; note.textContent = ''; });
    base.on('tileerror', () => {
      failed += 1;
      if (loaded === 0 && failed >= 2 && base) {
        map.removeLayer(base); base = null;
        document.getElementById('map').classList.add('offline');
        note.textContent = 'Base map unreachable: plain background (the overlays still work).';
      }
    });
    base.addTo(map);
  }
  setBase(baseInput.value);
  document.getElementById('basemap-apply').addEventListener('click', () => {
    localStorage.setItem('patroliq.basemap', baseInput.value || 'none');
    setBase(baseInput.value);
  });

  // Heatmap layers from the tile catalogue.
  const catalogue = await getJSON(API + '/tiles');
  const opacity = document.getElementById('opacity');
  let heatLayer = null, tilesLoaded = 0;
  const box = document.getElementById('heat-layers');
  async function showLayer(name) {
    // With a filter the heat layer is computed live for it; without, the chosen precomputed layer.
    const live = filtered();
    const tj = await getJSON(live ? API + '/tiles/live.json?' + currentFilter().toString() : API + '/tiles/' + name + '.json');
    const entry = catalogue.layers.find((l) => l.name === name);
    if (heatLayer) map.removeLayer(heatLayer);
    const url = live ? API + '/tiles/live/{z}/{x}/{y}.png?' + currentFilter().toString()
      : API + '/tiles/' + name + '/{z}/{x}/{y}' + (entry && entry.retina ? '{r}' : '') + '.png';
    document.body.dataset.heat = live ? 'live' : name;
    heatLayer = L.tileLayer(url, {
      minZoom: 3, maxNativeZoom: tj.maxzoom, maxZoom: 19, minNativeZoom: tj.minzoom, opacity: Number(opacity.value),
      bounds: tj.bounds ? [[tj.bounds[1], tj.bounds[0]], [tj.bounds[3], tj.bounds[2]]] : undefined,
      attribution: escapeHTML(tj.attribution || ''), zIndex: 5,
    });
    heatLayer.on('tileload', () => { tilesLoaded += 1; document.body.dataset.tiles = String(tilesLoaded); });
    // The view counts as ready once the visible tiles are in (or 10 s have passed).
    const loaded = new Promise((resolve) => { heatLayer.once('load', resolve); setTimeout(resolve, 10000); });
    heatLayer.addTo(map);
    showLegend(tj);
    if (tj.bounds && !state.fitted) { map.fitBounds([[tj.bounds[1], tj.bounds[0]], [tj.bounds[3], tj.bounds[2]]]); state.fitted = true; }
    return loaded;
  }
  catalogue.layers.forEach((l, i) => {
    const id = 'layer-' + l.name;
    const input = el('input', { type: 'radio', name: 'heat', id, value: l.name });
    if (i === 0) input.checked = true;
    input.addEventListener('change', () => showLayer(l.name));
    box.append(el('label', { for: id }, input, ' ' + l.name));
  });
  opacity.addEventListener('input', () => {
    document.getElementById('opacity-value').textContent = opacity.value;
    if (heatLayer) heatLayer.setOpacity(Number(opacity.value));
  });
  let firstTiles = null;
  const chosenLayer = () => (box.querySelector('input[name=heat]:checked') || {}).value || (catalogue.layers[0] || {}).name;
  state.refreshHeat = () => showLayer(chosenLayer());
  if (catalogue.layers.length || filtered()) firstTiles = showLayer(chosenLayer());
  else box.textContent = 'No tile layers: run "patroliq tiles".';
  // Compare mode: a second map with filter B, moving with the first.
  let mapB = null, heatB = null, syncing = false;
  const sync = (from, to) => from.on('move', () => {
    if (syncing || !to) return;
    syncing = true;
    to.setView(from.getCenter(), from.getZoom(), { animate: false });
    syncing = false;
  });
  state.refreshCompare = async () => {
    const b = compareFilter();
    const maps = document.getElementById('maps');
    maps.classList.toggle('compare', b !== null);
    document.getElementById('map-b').hidden = b === null;
    document.getElementById('tag-a').hidden = b === null;
    document.getElementById('f-compare').textContent = b === null ? 'Compare…' : 'End compare';
    document.body.dataset.compare = b === null ? 'off' : 'on';
    if (b === null) { map.invalidateSize(); return; }
    document.getElementById('tag-a').textContent = 'A: ' + describeFilter(currentFilter());
    document.getElementById('tag-b').textContent = 'B: ' + describeFilter(b);
    if (!mapB) {
      mapB = L.map('map-b', { zoomControl: false, preferCanvas: true });
      if (baseInput.value) L.tileLayer(baseInput.value, { maxZoom: 19, attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' }).addTo(mapB);
      else document.getElementById('map-b').classList.add('offline');
      sync(map, mapB);
      sync(mapB, map);
    }
    map.invalidateSize();
    mapB.invalidateSize();
    mapB.setView(map.getCenter(), map.getZoom(), { animate: false });
    const tj = b.toString() ? await getJSON(API + '/tiles/live.json?' + b.toString()) : await getJSON(API + '/tiles/' + chosenLayer() + '.json');
    if (heatB) mapB.removeLayer(heatB);
    const url = b.toString() ? API + '/tiles/live/{z}/{x}/{y}.png?' + b.toString() : API + '/tiles/' + chosenLayer() + '/{z}/{x}/{y}.png';
    heatB = L.tileLayer(url, { minZoom: 3, maxNativeZoom: tj.maxzoom, maxZoom: 19, minNativeZoom: tj.minzoom, opacity: Number(opacity.value) });
    let n = 0;
    heatB.on('tileload', () => { n += 1; document.body.dataset.tilesB = String(n); });
    const loaded = new Promise((resolve) => { heatB.once('load', resolve); setTimeout(resolve, 10000); });
    heatB.addTo(mapB);
    return loaded;
  };
  const compared = state.refreshCompare();

  // Street level: from zoom 15 the incidents themselves, newest first, over the heat layer.
  const street = L.layerGroup().addTo(map);
  const streetNote = el('p', { class: 'note', id: 'street-note' });
  box.append(streetNote);
  let streetSeq = 0;
  state.refreshStreet = async () => {
    const seq = ++streetSeq;
    if (map.getZoom() < 15) { street.clearLayers(); streetNote.textContent = 'Zoom to 15 or closer to see the incidents themselves.'; return; }
    const b = map.getBounds();
    const q = currentFilter();
    q.set('bbox', [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(','));
    q.set('limit', '500');
    const page = await tryJSON(API + '/api/incidents?' + q.toString());
    if (seq !== streetSeq || !page) return;
    street.clearLayers();
    for (const i of page.incidents) {
      L.circleMarker([i.lat, i.lon], { radius: 5, color: '#fff', weight: 1, fillColor: '#1d232b', fillOpacity: 0.9 })
        .bindPopup(incidentPopup(i)).addTo(street);
    }
    document.body.dataset.street = String(page.returned);
    streetNote.textContent = `${num(page.returned)} incidents shown` + (page.not_shown > 0 ? `, ${num(page.not_shown)} more not shown (zoom in)` : '');
  };
  map.on('moveend', () => state.refreshStreet().catch((e) => noteError(e.message)));
  state.refreshStreet();

  // GeoJSON overlays with statistics in popups.
  const overlayDefs = [
    ['hotspots', 'Hotspot contours', (f) => ({ color: '#6b0b2a', weight: 1, fillOpacity: 0.12 * (1 + (f.properties.level_share <= 0.01 ? 2 : f.properties.level_share <= 0.05 ? 1 : 0)) }), true],
    ['dense_zones', 'DBSCAN dense zones', () => ({ color: '#21918c', weight: 1.5, fillOpacity: 0.15 }), false],
    ['clusters_kmeans', 'K-Means clusters', () => ({ color: '#3b528b', weight: 2, fillOpacity: 0.05, dashArray: '4 3' }), false],
    ['clusters_ward', 'Ward clusters', () => ({ color: '#832681', weight: 2, fillOpacity: 0.05 }), false],
    ['centroids', 'Cluster centroids', null, true],
    ['hotspots_gi', 'Significant hot / cold spots (Gi*)', (f) => giStyle(f.properties['class']), false],
  ];
  const available = (await tryJSON(API + '/geojson'))?.layers?.map((l) => l.name) ?? [];
  let features = 0;
  const ovBox = document.getElementById('overlays');
  const loading = [];
  for (const [name, label, style, on] of overlayDefs) {
    if (!available.includes(name)) continue;
    const id = 'ov-' + name;
    const input = el('input', { type: 'checkbox', id });
    ovBox.append(el('label', { for: id }, input, ' ' + label));
    loading.push(getJSON(API + '/geojson/' + name).then((fc) => {
      features += fc.features.length;
      document.body.dataset.overlays = String(features);
      const layer = L.geoJSON(fc, {
        style: style || undefined,
        pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, color: '#fff', weight: 1.5, fillColor: algoColour(f.properties.algorithm), fillOpacity: 0.95 }),
        onEachFeature: (f, l) => l.bindPopup(popup(f.properties)),
      });
      input.checked = on;
      if (on) layer.addTo(map);
      // ?feature=ID opens that feature's popup (a link to one cluster or zone).
      const wanted = params.get('feature');
      if (wanted) layer.eachLayer((l) => {
        if (l.feature && l.feature.id === wanted) {
          if (!on) { layer.addTo(map); input.checked = true; }
          // Without panning: the heat layer keeps the tiles it is loading.
          l.getPopup().options.autoPan = false;
          l.openPopup();
        }
      });
      const giBox = document.getElementById('legend-gi');
      const syncLegend = () => { if (name === 'hotspots_gi') { giBox.hidden = !input.checked; giBox.replaceChildren(giLegend()); } };
      input.addEventListener('change', () => { (input.checked ? layer.addTo(map) : map.removeLayer(layer)); syncLegend(); });
      syncLegend();
    }));
  }
  await Promise.all(loading);
  if (firstTiles) await firstTiles;
  await compared;
  if (!available.length) ovBox.textContent = 'No GeoJSON: run "patroliq export".';
  map.on('zoomend', () => state.legend && showLegend(state.legend));
}

// Diverging colours for Gi* classes: cold blue … hot red; not significant is transparent (the tile
// layer `hotspots_gi` uses the same colours).
const GI_COLOURS = { 3: '#b2182b', 2: '#ef8a62', 1: '#fddbc7', '-1': '#d1e5f0', '-2': '#67a9cf', '-3': '#2166ac' };
const GI_NAMES = { 3: 'hot, 99 %', 2: 'hot, 95 %', 1: 'hot, 90 %', '-1': 'cold, 90 %', '-2': 'cold, 95 %', '-3': 'cold, 99 %' };
function giLegend() {
  const rows = [3, 2, 1, -1, -2, -3].flatMap((c) => [el('span', { class: 'swatch', style: `background:${GI_COLOURS[c]}` }), el('span', { text: GI_NAMES[c] })]);
  return el('div', {}, el('b', { text: 'Gi* hot / cold spots' }), el('div', { class: 'legend-classes', role: 'list', 'aria-label': 'Gi* classes' }, ...rows),
    el('p', { class: 'note', text: 'Getis–Ord Gi* on 250 m cells, Benjamini–Hochberg FDR; cells not significant are transparent.' }));
}
function giStyle(c) {
  const colour = GI_COLOURS[c];
  return colour ? { stroke: false, fillColor: colour, fillOpacity: 0.6 } : { stroke: false, fillOpacity: 0 };
}

function incidentPopup(i) {
  const rows = [];
  const add = (k, v) => rows.push(el('tr', {}, el('td', { text: k }), el('td', {}, el('b', { text: String(v) }))));
  add('Type', i.type);
  add('Description', i.description);
  add('When', i.time.replace('T', ' '));
  add('Block', i.block);
  if (i.location) add('Place', i.location);
  add('Arrest', i.arrest === null ? 'unknown' : i.arrest ? 'yes' : 'no');
  add('Domestic', i.domestic === null ? 'unknown' : i.domestic ? 'yes' : 'no');
  add('Case', i.id);
  for (const [algorithm, c] of Object.entries(i.clusters || {})) add(algorithm === 'dbscan' ? 'Dense zone' : algorithm + ' cluster', c < 0 ? 'none (noise)' : '#' + c);
  return el('div', { class: 'popup' }, el('table', {}, ...rows));
}

function algoColour(a) { return { kmeans: '#3b528b', ward: '#832681', dbscan: '#21918c' }[a] || '#444'; }

// Popup content is built as DOM nodes: every value (types come straight from the ingested CSV)
// reaches the page as text, never as HTML.
function popup(p) {
  const rows = [];
  const add = (k, v) => rows.push(el('tr', {}, el('td', { text: k }), el('td', {}, el('b', { text: String(v) }))));
  if (p.algorithm) add('Algorithm', `${p.algorithm} #${p.cluster}`);
  if (p.level) add('Level', p.level);
  if (p.count !== undefined && p.share !== undefined) add('Incidents', `${num(p.count)} (${pct(p.share)})`);
  if (p.incidents !== undefined) add('Incidents', num(p.incidents));
  if (p.area_km2 !== undefined) add('Area', Number(p.area_km2).toFixed(2) + ' km²');
  if (p.radius_median_m !== undefined) add('Radius', `${Math.round(p.radius_median_m)} m (90 %: ${Math.round(p.radius_p90_m)} m)`);
  if (Array.isArray(p.top_types)) add('Top types', p.top_types.slice(0, 3).map((t) => `${t.type} (${num(t.count)})`).join(', '));
  if (p.arrest_rate !== undefined) add('Arrest rate', pct(p.arrest_rate));
  if (p.domestic_rate !== undefined) add('Domestic', pct(p.domestic_rate));
  if (p.mean_severity !== undefined) add('Mean severity', Number(p.mean_severity).toFixed(2));
  if (p.peak_hour !== undefined) add('Peak', `${p.peak_weekday} ${p.peak_hour}:00`);
  if (p.threshold_per_km2 !== undefined) add('Threshold', Math.round(p.threshold_per_km2) + ' /km²');
  if (p.z !== undefined) {
    add('Gi*', `${p.label}: z = ${Number(p.z).toFixed(2)}, q = ${Number(p.q).toPrecision(2)}`);
    add('Incidents in cell', num(p.count));
  }
  return el('div', { class: 'popup' }, el('table', {}, ...rows));
}

function showLegend(tj) {
  state.legend = tj;
  const lg = (tj.patroliq) || {};
  const box = document.getElementById('legend');
  if (tj.patroliq_classes) { box.replaceChildren(giLegend()); return; }
  if (!lg.colors) { box.textContent = ''; return; }
  const z = String(Math.max(tj.minzoom, Math.min(tj.maxzoom, state.map.getZoom())));
  const cap = lg.caps && lg.caps[z];
  box.replaceChildren(
    el('div', { class: 'legend-bar', style: `background: linear-gradient(to right, ${lg.colors.join(',')})`, role: 'img', 'aria-label': 'colour scale' }),
    el('div', { class: 'legend-scale' }, el('span', { text: 'low' }), el('span', { text: cap ? `≥ ${Math.round(cap)} incidents/km²` : 'high' })),
    el('p', { class: 'note', text: `Gaussian kernel, σ = ${lg.bandwidth_m} m; colour cap = ${lg.quantile * 100} th percentile at zoom ${z}.` }));
}

// ---------------------------------------------------------------- Temporal
async function loadTemporal() {
  const stats = await getJSON(statsURL());
  const m = stats.hour_weekday;
  const max = Math.max(...m.flat(), 1);
  const head = el('tr', {}, el('th', { text: '' }), ...Array.from({ length: 24 }, (_, h) => el('th', { scope: 'col', text: String(h) })));
  const rows = m.map((r, d) => el('tr', {}, el('th', { scope: 'row', text: WEEKDAYS[d] }),
    ...r.map((v, h) => el('td', { style: `background:${heat(v / max)}`, title: `${WEEKDAYS[d]} ${h}:00 — ${v} incidents`, text: '' }))));
  document.getElementById('matrix').replaceChildren(el('table', { 'aria-label': 'Incidents by hour and weekday' }, el('thead', {}, head), el('tbody', {}, ...rows)));
  chart('chart-hour', { type: 'line', data: { labels: [...Array(24).keys()], datasets: [{ data: stats.by_hour, borderColor: '#b3122e', tension: 0.3, pointRadius: 2 }] } });
  chart('chart-month', { type: 'bar', data: { labels: MONTHS, datasets: [{ data: stats.by_month, backgroundColor: '#f7853b' }] } });

  const t = await tryJSON(API + '/api/temporal' + (filtered() ? '?' + currentFilter().toString() : ''));
  const pBox = document.getElementById('patterns');
  if (!t) { pBox.textContent = 'No temporal analysis: run "patroliq cluster".'; return; }
  pBox.replaceChildren(...t.patterns.map((p) => el('div', { class: 'pattern' },
    el('b', { text: `Pattern ${p.id}: ${pct(p.share)} of incidents` }),
    el('div', { text: 'Peak hours: ' + p.peak_hours.map((h) => h + ':00').join(', ') }),
    el('div', { text: 'Peak days: ' + p.peak_weekdays.map((d) => WEEKDAYS[d]).join(', ') }),
    el('div', { text: 'Peak months: ' + p.peak_months.map((x) => MONTHS[x - 1]).join(', ') }),
    el('div', { text: 'Weekend share: ' + pct(p.weekend_share) }),
    el('div', { text: 'Top types: ' + p.top_types.map((x) => `${x.type} ${pct(x.share)}`).join(', ') }))));
  const slots = document.getElementById('risk-slots');
  slots.replaceChildren(...(t.risk_slots.length ? t.risk_slots.map((s) => el('li', { text: `${WEEKDAYS[s.weekday]} ${s.hour}:00–${s.hour + 1}:00 — ${num(s.count)} incidents, ${s.ratio.toFixed(2)}× an even spread (z ${s.z.toFixed(1)})` })) : [el('li', { text: 'No slot stands out.' })]));
  const select = document.getElementById('profile-type');
  select.replaceChildren(...t.profiles.map((p, i) => el('option', { value: String(i), text: `${p.type} (${num(p.count)})` })));
  const showProfile = () => {
    const p = t.profiles[Number(select.value)];
    if (!p) return;
    chart('chart-profile', { type: 'line', data: { labels: [...Array(24).keys()], datasets: [{ data: p.hourly.map((v) => v * 100), borderColor: '#3b528b', tension: 0.3, pointRadius: 2 }] }, options: { scales: { y: { title: { display: true, text: '% by hour' } } } } });
    chart('chart-profile-day', { type: 'bar', data: { labels: WEEKDAYS, datasets: [{ data: p.weekday.map((v) => v * 100), backgroundColor: '#5ec962' }] }, options: { scales: { y: { title: { display: true, text: '% by weekday' } } } } });
  };
  select.addEventListener('change', showProfile);
  showProfile();
}

// ---------------------------------------------------------------- Statistics
async function loadStats() {
  const s = await getJSON(statsURL());
  document.body.dataset.statsTotal = String(s.total);
  const kpi = (label, value) => el('div', { class: 'kpi' }, el('b', { text: value }), label);
  document.getElementById('totals').replaceChildren(
    kpi('incidents', num(s.total)), kpi('first', s.first.slice(0, 10)), kpi('last', s.last.slice(0, 10)),
    kpi('arrest rate', pct(s.arrest_rate)), kpi('domestic', pct(s.domestic_rate)), kpi('types', String(s.types.length)));
  const top = s.types.slice(0, 15);
  chart('chart-types', { type: 'bar', data: { labels: top.map((t) => t.type), datasets: [{ data: top.map((t) => t.count), backgroundColor: '#e0412c' }] }, options: { indexAxis: 'y', maintainAspectRatio: false, scales: { y: { ticks: { autoSkip: false, font: { size: 11 } } } } } });
  table(document.getElementById('types-table'), ['Type', 'Count', 'Share', 'Arrest', 'Domestic', 'Severity'],
    s.types.map((t) => [t.type, num(t.count), pct(t.share), pct(t.arrest_rate), pct(t.domestic_rate), t.mean_severity.toFixed(1)]));
  table(document.getElementById('districts-table'), ['District', 'Incidents', 'Arrest rate'],
    s.districts.map((d) => [d.district < 0 ? 'unknown' : d.district, num(d.count), pct(d.arrest_rate)]));
  const q = s.quality;
  const box = document.getElementById('quality');
  if (!q) { box.textContent = filtered() ? 'The quality report is about the whole file: clear the filter to see it.' : 'No quality report.'; return; }
  const rows = [['read', num(q.rows_read), ''], ['kept', num(q.rows_kept), '']];
  for (const [k, v] of Object.entries(q.rejected || {})) rows.push(['rejected: ' + k.replaceAll('_', ' '), num(v.count), v.first_lines.join(', ')]);
  if (q.repeated_ids_kept && q.repeated_ids_kept.count) rows.push(['kept: repeated ID, other content', num(q.repeated_ids_kept.count), q.repeated_ids_kept.first_lines.join(', ')]);
  for (const [k, v] of Object.entries(q.excluded || {})) rows.push(['excluded: ' + k.replaceAll('_', ' '), num(v.count), '']);
  const t = el('table', { class: 'wrap-first' });
  table(t, ['Rows', 'Count', 'First lines'], rows);
  box.replaceChildren(el('p', { class: 'note', text: `${q.file} (${q.schema} schema)` }), t);
}

// ---------------------------------------------------------------- Runs
async function loadRuns() {
  const runs = await getJSON(API + '/api/runs');
  const tbl = document.getElementById('runs-table');
  if (!runs.length) { tbl.replaceChildren(el('caption', { text: 'No runs yet: run "patroliq cluster".' })); return; }
  const f = (v, d = 3) => (v === undefined ? '–' : Number(v).toFixed(d));
  table(tbl, ['Run', 'Kind', 'Created', 'Incidents', 'Algorithms', 'k', 'Silhouette', 'Davies–Bouldin', 'DBSCAN zones', 'Noise', 'Temporal k', 'Seconds'],
    runs.map((r) => [r.id, r.kind || 'cluster', r.created_at.slice(0, 19).replace('T', ' '), num(r.rows), r.algorithms.join(', '), f(r.metrics['kmeans.k'], 0),
      f(r.metrics['kmeans.silhouette']), f(r.metrics['kmeans.davies_bouldin']), f(r.metrics['dbscan.clusters'], 0),
      r.metrics['dbscan.noise_share'] === undefined ? '–' : pct(r.metrics['dbscan.noise_share']), f(r.metrics['temporal.k'], 0), f(r.duration_s, 2)]));
  const rowsEls = [...tbl.querySelectorAll('tbody tr')];
  rowsEls.forEach((tr, i) => {
    tr.tabIndex = 0;
    const pick = () => { rowsEls.forEach((x) => x.classList.remove('selected')); tr.classList.add('selected'); showRun(runs[i].id); };
    tr.addEventListener('click', pick);
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pick(); } });
  });
  // The latest cluster run is shown first (hotspot and backtest runs have no k sweep or dendrogram).
  const clusterRuns = runs.filter((r) => (r.kind || 'cluster') === 'cluster');
  const first = clusterRuns.length ? clusterRuns[clusterRuns.length - 1] : runs[runs.length - 1];
  rowsEls[runs.indexOf(first)].classList.add('selected');
  await showRun(first.id);
  const a = document.getElementById('cmp-a'), b = document.getElementById('cmp-b');
  for (const s of [a, b]) s.replaceChildren(...runs.map((r) => el('option', { value: String(r.id), text: `run ${r.id}` })));
  a.value = String(runs[Math.max(0, runs.length - 2)].id);
  b.value = String(runs[runs.length - 1].id);
  const compare = () => {
    const ra = runs.find((r) => String(r.id) === a.value), rb = runs.find((r) => String(r.id) === b.value);
    const rows = [];
    const keys = new Set([...Object.keys(ra.params), ...Object.keys(rb.params)]);
    for (const k of [...keys].sort()) if (ra.params[k] !== rb.params[k]) rows.push(['param ' + k, ra.params[k] ?? '–', rb.params[k] ?? '–']);
    const mk = new Set([...Object.keys(ra.metrics), ...Object.keys(rb.metrics)]);
    for (const k of [...mk].sort()) rows.push([k, f(ra.metrics[k], 4), f(rb.metrics[k], 4)]);
    rows.push(['data', ra.fingerprint, rb.fingerprint]);
    table(document.getElementById('cmp-table'), ['', 'run ' + ra.id, 'run ' + rb.id], rows);
  };
  a.addEventListener('change', compare);
  b.addEventListener('change', compare);
  compare();
}

async function showRun(id) {
  const r = await getJSON(API + '/api/runs/' + id);
  const sw = r.kmeans_sweep;
  const ks = sw ? sw.scores.map((s) => 'k=' + s.k) : [];
  const line = (id2, data, colour) => chart(id2, { type: 'line', data: { labels: ks, datasets: [{ data, borderColor: colour, pointRadius: 3 }] } });
  line('chart-inertia', sw ? sw.scores.map((s) => s.inertia) : [], '#3b528b');
  line('chart-silhouette', sw ? sw.scores.map((s) => s.silhouette) : [], '#21918c');
  line('chart-db', sw ? sw.scores.map((s) => s.davies_bouldin) : [], '#b3122e');
  drawDendrogram(r.ward);
  drawProjection(r);
}

// The run's PCA or t-SNE scatter, coloured by K-Means cluster; the buttons switch between them
// (`?projection=tsne` in the page URL opens on t-SNE).
let projection = new URLSearchParams(location.search).get('projection') === 'tsne' ? 'tsne' : 'pca';
function drawProjection(r) {
  const pca = document.getElementById('proj-pca'), tsne = document.getElementById('proj-tsne');
  const note = document.getElementById('proj-note');
  pca.onclick = () => { projection = 'pca'; drawProjection(r); };
  tsne.onclick = () => { projection = 'tsne'; drawProjection(r); };
  pca.setAttribute('aria-pressed', String(projection === 'pca'));
  tsne.setAttribute('aria-pressed', String(projection === 'tsne'));
  const doc = projection === 'tsne' ? r.tsne : r.pca;
  note.textContent = '';
  if (!doc) {
    chart('chart-pca', { type: 'scatter', data: { datasets: [] } });
    note.textContent = projection === 'tsne' ? 'No t-SNE in this run: patroliq cluster --algorithms kmeans,tsne' : 'No PCA in this run.';
    return;
  }
  const groups = {};
  for (const p of doc.sample) (groups[p[2]] ||= []).push({ x: p[0], y: p[1] });
  const palette = ['#3b528b', '#e0412c', '#21918c', '#f7853b', '#832681', '#5ec962', '#6b0b2a', '#fde725', '#4292c6', '#c53c74'];
  const axes = projection === 'tsne'
    ? ['t-SNE 1', 't-SNE 2']
    : [`PC1 (${pct(doc.pca.explained_variance_ratio[0])})`, `PC2 (${pct(doc.pca.explained_variance_ratio[1] || 0)})`];
  if (projection === 'tsne') {
    note.textContent = `${doc.sample.length} incidents, perplexity ${doc.perplexity}` +
      (doc.trustworthiness != null ? `, trustworthiness ${doc.trustworthiness.toFixed(3)}` : '');
  }
  chart('chart-pca', { type: 'scatter', data: { datasets: Object.entries(groups).map(([k, v]) => ({ label: 'cluster ' + k, data: v, pointRadius: projection === 'tsne' ? 1 : 1.5, backgroundColor: palette[Number(k) % palette.length] })) },
    options: { animation: false, plugins: { legend: { display: false } }, scales: { x: { title: { display: true, text: axes[0] } }, y: { title: { display: true, text: axes[1] } } } } });
}

// Dendrogram of the last merges: leaves are the clusters below them (with their sizes).
function drawDendrogram(ward) {
  const canvas = document.getElementById('dendrogram');
  const ctx = canvas.getContext('2d');
  canvas.width = Math.max(300, canvas.parentElement.clientWidth - 32);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!ward) { ctx.fillText('No Ward run.', 10, 20); return; }
  const { leaves, merges } = ward.top_merges;
  const n = leaves.length, W = canvas.width, H = canvas.height, pad = 34;
  const maxH = Math.max(...merges.map((m) => m[2]), 1e-9), minH = Math.min(...merges.map((m) => m[2]));
  // Leaf order by depth-first traversal from the root, so branches do not cross.
  const children = {};
  merges.forEach((m, i) => { children[n + i] = [m[0], m[1]]; });
  const order = [];
  (function walk(c) { if (c < n) order.push(c); else { walk(children[c][0]); walk(children[c][1]); } })(n + merges.length - 1);
  const xOf = {}, yOf = {};
  order.forEach((leaf, i) => { xOf[leaf] = pad + (i + 0.5) * (W - 2 * pad) / n; yOf[leaf] = H - pad; });
  const y = (h) => H - pad - (h - minH * 0.9) / (maxH - minH * 0.9) * (H - 2 * pad);
  ctx.strokeStyle = '#832681'; ctx.lineWidth = 1.5; ctx.font = '10px sans-serif'; ctx.fillStyle = '#5b6470';
  merges.forEach((m, i) => {
    const [a, b, h] = m, yy = y(h);
    ctx.beginPath();
    ctx.moveTo(xOf[a], yOf[a]); ctx.lineTo(xOf[a], yy); ctx.lineTo(xOf[b], yy); ctx.lineTo(xOf[b], yOf[b]);
    ctx.stroke();
    xOf[n + i] = (xOf[a] + xOf[b]) / 2; yOf[n + i] = yy;
  });
  // Leaf sizes (incidents or cells below each branch), vertical so they never overlap.
  order.forEach((leaf) => {
    ctx.save();
    ctx.translate(xOf[leaf] + 3, H - 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(String(Math.round(leaves[leaf])), 0, 0);
    ctx.restore();
  });
  ctx.fillText(`top merge height ${Math.round(maxH).toLocaleString('en-US')} (Ward, ${ward.mode})`, 4, 12);
}

// ---------------------------------------------------------------- Patrol plan
const METHOD_TITLES = { naive: "last week's counts", kde: 'KDE (tiles)', prospective_kde: 'prospective KDE', gi_star: 'Gi* hot cells', kmeans: 'K-Means areas', dbscan: 'DBSCAN zones' };
// In the page URL the plan's settings carry a plan_ prefix, apart from the shared filter's.
const PLAN_PARAMS = ['day', 'hours', 'types', 'cells', 'method'];

async function loadPlan() {
  const params = new URLSearchParams(location.search);
  const map = L.map('plan-map', { preferCanvas: false }).setView([41.85, -87.68], 11);
  state.planMap = map;
  const base = localStorage.getItem('patroliq.basemap') ?? OSM;
  if (params.get('basemap') !== 'none' && base && base !== 'none') {
    L.tileLayer(base, { maxZoom: 19, attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' }).addTo(map);
  } else {
    document.getElementById('plan-map').classList.add('offline');
  }
  // The form: hours 0–23 from, 1–24 to; types with their counts; methods.
  const from = document.getElementById('plan-from'), to = document.getElementById('plan-to');
  from.replaceChildren(...[...Array(24).keys()].map((h) => el('option', { value: String(h), text: `${h}:00` })));
  to.replaceChildren(...[...Array(24).keys()].map((h) => el('option', { value: String(h + 1), text: `${(h + 1) % 24}:00` })));
  const stats = await tryJSON(API + '/api/stats');
  const typeBox = document.getElementById('plan-types');
  typeBox.replaceChildren(...(stats ? stats.types : []).map((t) => el('option', { value: t.type, text: `${t.type} (${num(t.count)})` })));
  const methodBox = document.getElementById('plan-method');
  for (const [k, v] of Object.entries(METHOD_TITLES)) methodBox.append(el('option', { value: k, text: v }));
  // Start from the URL (a link reproduces a plan), else Friday night.
  document.getElementById('plan-day').value = params.get('plan_day') ?? 'fri';
  const [h0, h1] = (params.get('plan_hours') ?? '22-6').split('-');
  from.value = String(Number(h0)); to.value = String(Number(h1) === 0 ? 24 : Number(h1));
  const chosenTypes = new Set((params.get('plan_types') ?? '').split(',').filter(Boolean));
  for (const o of typeBox.options) o.selected = chosenTypes.has(o.value);
  document.getElementById('plan-cells').value = params.get('plan_cells') ?? '20';
  methodBox.value = params.get('plan_method') ?? '';
  document.getElementById('plan-form').addEventListener('submit', (e) => { e.preventDefault(); runPlan().catch((err) => noteError(err.message)); });
  await Promise.all([runPlan(), showStoredBacktest()]);
}

function planQuery() {
  const q = new URLSearchParams();
  const day = document.getElementById('plan-day').value;
  if (day) q.set('day', day);
  const a = document.getElementById('plan-from').value, b = document.getElementById('plan-to').value;
  if (!(a === '0' && b === '24')) q.set('hours', `${a}-${b}`);
  const types = [...document.getElementById('plan-types').selectedOptions].map((o) => o.value);
  if (types.length) q.set('types', types.join(','));
  q.set('cells', document.getElementById('plan-cells').value || '20');
  const m = document.getElementById('plan-method').value;
  if (m) q.set('method', m);
  return q;
}

async function runPlan() {
  const q = planQuery();
  // The plan lives in the URL, so a link reproduces it.
  const keep = new URLSearchParams(location.search);
  for (const k of PLAN_PARAMS) keep.delete('plan_' + k);
  for (const [k, v] of q) keep.set('plan_' + k, v);
  history.replaceState(null, '', '?' + keep.toString() + '#plan');
  const evidence = document.getElementById('plan-evidence');
  evidence.textContent = 'Backtesting every method on this shift…';
  const r = await fetch(API + '/api/plan?' + q.toString());
  const body = await r.json();
  if (state.planLayer) { state.planMap.removeLayer(state.planLayer); state.planLayer = null; }
  document.getElementById('plan-table').replaceChildren();
  if (!r.ok) {
    evidence.textContent = body.error ? body.error.message : 'HTTP ' + r.status;
    document.body.dataset.planAreas = '0';
    return;
  }
  const plan = body.plan;
  const layer = L.geoJSON(body, {
    style: (f) => ({ color: '#1d232b', weight: 3, fillColor: '#b3122e', fillOpacity: Math.max(0.25, 0.75 - 0.05 * (f.properties.rank - 1)) }),
    onEachFeature: (f, l) => {
      l.bindTooltip(String(f.properties.rank), { permanent: true, direction: 'center', className: 'plan-label' });
      l.bindPopup(planPopup(f.properties));
    },
  }).addTo(state.planMap);
  state.planLayer = layer;
  if (body.features.length) state.planMap.fitBounds(layer.getBounds(), { padding: [30, 30], maxZoom: 14 });
  // What is drawn, for the browser test: feature ids in order and every vertex Leaflet holds.
  const drawn = [];
  let vertices = 0;
  layer.eachLayer((l) => {
    drawn.push(l.feature.id);
    const walk = (x) => { if (Array.isArray(x) && x.length && !Array.isArray(x[0])) vertices += x.length + 1; else if (Array.isArray(x)) x.forEach(walk); };
    walk(l.getLatLngs());
  });
  document.body.dataset.planAreas = String(drawn.length);
  document.body.dataset.planDrawn = drawn.join(',');
  document.body.dataset.planVertices = String(vertices);

  const ev = plan.evidence, base = plan.baseline;
  const parts = [
    el('p', {}, el('b', { text: `${plan.method_title}` }), plan.method_chosen_by === 'backtest' ? ' — the best backtested method for this shift' : ' — chosen by you'),
    el('p', { text: `${plan.cells} cells (${(plan.area_share * 100).toFixed(2)} % of the active area): ${plan.expected_per_shift.toFixed(1)} incidents expected per shift; these cells held ${pct(plan.historical_share)} of the shift's ${num(plan.incidents_in_history)} incidents.` }),
  ];
  if (ev) parts.push(el('p', { text: `Backtest at this coverage (${plan.backtest.folds} folds of ${plan.backtest.train_days} + ${plan.backtest.test_days} days): PAI ${ev.pai.mean.toFixed(2)} ± ${ev.pai.sd.toFixed(2)}, hit rate ${pct(ev.hit_rate.mean)} (range ${pct(ev.hit_rate.min)}–${pct(ev.hit_rate.max)})` + (base ? `; last week's counts: PAI ${base.pai.mean.toFixed(2)}, hit rate ${pct(base.hit_rate.mean)}.` : '.') }));
  parts.push(el('p', { class: 'note', text: `Forecast from ${plan.window_start} to ${plan.window_end} (${plan.shifts_in_window} shifts, ${num(plan.incidents_in_window)} incidents).` }));
  evidence.replaceChildren(...parts);
  const dl = document.getElementById('plan-downloads');
  dl.replaceChildren(el('a', { href: API + '/api/plan?' + q.toString(), download: 'patrol-plan.geojson', text: 'Download GeoJSON' }), ' · ',
    el('a', { href: API + '/api/plan.csv?' + q.toString(), download: 'patrol-plan.csv', text: 'Download CSV' }));
  table(document.getElementById('plan-table'), ['Busiest block', 'Rank', 'Per shift', 'Share', 'Cells'],
    body.features.map((f) => [f.properties.top_block || '–', f.properties.rank, f.properties.expected_per_shift.toFixed(2), pct(f.properties.historical_share), f.properties.cells]));
  document.getElementById('plan-backtest-note').textContent = `(${plan.backtest.folds} folds, ${plan.backtest.skipped_folds} skipped for too few incidents)`;
  backtestTable(document.getElementById('plan-backtest'), plan.backtest.summary, plan.method);
}

function planPopup(p) {
  const rows = [];
  const add = (k, v) => rows.push(el('tr', {}, el('td', { text: k }), el('td', {}, el('b', { text: String(v) }))));
  add('Rank', p.rank);
  add('Busiest block', p.top_block || '–');
  add('Expected per shift', p.expected_per_shift.toFixed(2));
  add('Share of the shift', pct(p.historical_share));
  add('Area', `${p.cells} cells, ${p.area_km2.toFixed(2)} km²`);
  add('Backtested PAI', Number(p.backtest_pai).toFixed(2));
  return el('div', { class: 'popup' }, el('table', {}, ...rows));
}

// Methods by rows, coverages by columns: mean PAI ± sd (range over folds) and mean hit rate; the
// best PAI of each column is bold, a method below the naive baseline is marked ↓.
function backtestTable(node, summary, chosen) {
  const shares = [...new Set(summary.map((s) => s.share))].sort((a, b) => a - b);
  const methods = [...new Set(summary.map((s) => s.method))];
  const at = (m, sh) => summary.find((s) => s.method === m && s.share === sh);
  const best = Object.fromEntries(shares.map((sh) => [sh, Math.max(...methods.map((m) => at(m, sh)?.pai.mean ?? -1))]));
  const head = el('tr', {}, el('th', { scope: 'col', text: 'Method' }), ...shares.map((sh) => el('th', { scope: 'col', text: `${+(sh * 100).toFixed(2)} % of area` })));
  const rows = methods.map((m) => el('tr', chosen === m ? { class: 'selected' } : {}, el('td', { text: METHOD_TITLES[m] || m }),
    ...shares.map((sh) => {
      const s = at(m, sh), b = at('naive', sh);
      if (!s) return el('td', { text: '–' });
      const below = m !== 'naive' && b && s.pai.mean < b.pai.mean;
      return el('td', { class: s.pai.mean === best[sh] ? 'best' : '', title: `PAI ${s.pai.mean.toFixed(3)} ± ${s.pai.sd.toFixed(3)}, PEI* ${s.pei.mean.toFixed(3)}, hit rate ${pct(s.hit_rate.mean)}` },
        `${s.pai.mean.toFixed(2)} ± ${s.pai.sd.toFixed(2)}${below ? ' ↓' : ''}`, el('br'),
        el('small', { text: `${s.pai.min.toFixed(1)}–${s.pai.max.toFixed(1)} · hits ${pct(s.hit_rate.mean)}` }));
    })));
  node.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows),
    el('caption', { class: 'note', text: 'Mean PAI ± sd over folds (1 = chance), then its range and the mean hit rate; bold: best of the column; ↓: below last week\'s counts.' }));
}

async function showStoredBacktest() {
  const b = await tryJSON(API + '/api/backtest');
  const note = document.getElementById('stored-backtest-note');
  if (!b) { note.textContent = '— none stored: run "patroliq backtest"'; return; }
  const r = b.result;
  note.textContent = `(run ${b.record.id}: ${r.folds.length} folds of ${r.options.train_days} + ${r.options.test_days} days, ${num(b.record.rows)} incidents)`;
  backtestTable(document.getElementById('stored-backtest'), r.summary, null);
  const shares = [...new Set(r.summary.map((s) => s.share))].sort((a, b2) => a - b2);
  const methods = [...new Set(r.summary.map((s) => s.method))];
  const palette = ['#9aa3ad', '#f7853b', '#b3122e', '#832681', '#3b528b', '#21918c'];
  chart('chart-backtest', { type: 'bar', data: { labels: shares.map((s) => `${+(s * 100).toFixed(2)} % of area`),
    datasets: methods.map((m, i) => ({ label: METHOD_TITLES[m] || m, backgroundColor: palette[i % palette.length],
      data: shares.map((sh) => r.summary.find((s) => s.method === m && s.share === sh)?.pai.mean ?? null) })) },
    options: { maintainAspectRatio: false, plugins: { legend: { display: true, position: 'right' } }, scales: { y: { title: { display: true, text: 'mean PAI (1 = chance)' } } } } });
}

// ---------------------------------------------------------------- Cities (several workspaces)
// The switcher reloads the page on another city (filters and plans are per city, so they are dropped).
async function initCitySwitcher() {
  const doc = await tryJSON('/api/cities');
  const cities = doc ? doc.cities : [];
  document.getElementById('tab-cities').hidden = cities.length < 2;
  if (!cities.length) return cities;
  const box = document.getElementById('city');
  box.replaceChildren(...cities.map((c) => el('option', { value: c.name, text: c.name })));
  box.value = CITY ?? cities[0].name;
  document.getElementById('city-label').hidden = false;
  box.addEventListener('change', () => { location.href = '?city=' + encodeURIComponent(box.value) + location.hash; });
  return cities;
}

// Two cities side by side: density over the area they occupy, type mix and hour profile (shares, so
// cities of any size compare).
async function loadCities() {
  const cities = await state.cities;
  const a = document.getElementById('cmp-a'), b = document.getElementById('cmp-b');
  for (const box of [a, b]) box.replaceChildren(...cities.map((c) => el('option', { value: c.name, text: c.name })));
  const params = new URLSearchParams(location.search);
  a.value = params.get('cmp_a') ?? CITY ?? cities[0]?.name ?? '';
  b.value = params.get('cmp_b') ?? cities.find((c) => c.name !== a.value)?.name ?? a.value;
  const run = () => compareCities(a.value, b.value).catch((e) => noteError(e.message));
  a.onchange = run; b.onchange = run;
  await compareCities(a.value, b.value);
}

async function compareCities(na, nb) {
  const keep = new URLSearchParams(location.search);
  keep.set('cmp_a', na); keep.set('cmp_b', nb);
  history.replaceState(null, '', '?' + keep.toString() + '#cities');
  const [sa, sb] = await Promise.all([getJSON('/c/' + na + '/api/stats'), getJSON('/c/' + nb + '/api/stats')]);
  const f1 = (v) => (v === undefined ? '–' : Number(v).toLocaleString('en-US', { maximumFractionDigits: 1 }));
  table(document.getElementById('cmp-table'), ['', na, nb], [
    ['incidents', num(sa.total), num(sb.total)],
    ['period', sa.first.slice(0, 10) + ' → ' + sa.last.slice(0, 10), sb.first.slice(0, 10) + ' → ' + sb.last.slice(0, 10)],
    ['occupied area (km²)', f1(sa.occupied_km2), f1(sb.occupied_km2)],
    ['incidents per km²', f1(sa.incidents_per_km2), f1(sb.incidents_per_km2)],
    ['arrest rate', pct(sa.arrest_rate), pct(sb.arrest_rate)],
    ['domestic', pct(sa.domestic_rate), pct(sb.domestic_rate)],
  ]);
  document.body.dataset.citiesCompare = na + ',' + nb;
  // Type mix: the union of each city's ten most frequent types, as shares.
  const share = (s) => Object.fromEntries(s.types.map((t) => [t.type, t.share]));
  const ma = share(sa), mb = share(sb);
  const types = [...new Set([...sa.types.slice(0, 10), ...sb.types.slice(0, 10)].map((t) => t.type))];
  types.sort((x, y) => (ma[y] ?? 0) + (mb[y] ?? 0) - (ma[x] ?? 0) - (mb[x] ?? 0));
  chart('chart-cmp-types', { type: 'bar', data: { labels: types, datasets: [
    { label: na, data: types.map((t) => 100 * (ma[t] ?? 0)), backgroundColor: '#e0412c' },
    { label: nb, data: types.map((t) => 100 * (mb[t] ?? 0)), backgroundColor: '#2c7be0' }] },
    options: { indexAxis: 'y', maintainAspectRatio: false, scales: { x: { title: { display: true, text: '% of incidents' } }, y: { ticks: { autoSkip: false, font: { size: 11 } } } } } });
  const profile = (s) => { const t = s.by_hour.reduce((x, y) => x + y, 0) || 1; return s.by_hour.map((v) => 100 * v / t); };
  chart('chart-cmp-hours', { type: 'line', data: { labels: [...Array(24).keys()].map((h) => h + ':00'), datasets: [
    { label: na, data: profile(sa), borderColor: '#e0412c', pointRadius: 0 },
    { label: nb, data: profile(sb), borderColor: '#2c7be0', pointRadius: 0 }] },
    options: { scales: { y: { title: { display: true, text: '% of the day\'s incidents' }, beginAtZero: true } } } });
}

// ---------------------------------------------------------------- Views
const loaders = { map: loadMap, temporal: loadTemporal, stats: loadStats, runs: loadRuns, plan: loadPlan, cities: loadCities };

async function show(view) {
  if (!loaders[view]) view = 'map';
  document.body.dataset.ready = 'false';
  document.body.dataset.view = view;
  const bar = document.getElementById('filter-bar');
  bar.hidden = !['map', 'temporal', 'stats'].includes(view);
  document.body.classList.toggle('filtered', !bar.hidden);
  if (!state.cities) state.cities = initCitySwitcher().catch((e) => { noteError(e.message); return []; });
  await state.cities;
  if (!state.filterBar) state.filterBar = initFilterBar().catch((e) => noteError(e.message));
  await state.filterBar;
  for (const tab of document.querySelectorAll('[role=tab]')) {
    const on = tab.dataset.view === view;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    document.getElementById(tab.getAttribute('aria-controls')).hidden = !on;
  }
  try {
    if (!state.loaded[view]) { setStatus('Loading ' + view + '…'); await loaders[view](); state.loaded[view] = true; }
    if (view === 'map' && state.map) state.map.invalidateSize();
    if (view === 'plan' && state.planMap) state.planMap.invalidateSize();
    setStatus('');
  } catch (e) {
    noteError(e.message);
  }
  document.body.dataset.overflow = String(cutOff(view));
  document.body.dataset.ready = 'true';
}

// Tables wider than their box: columns a reader cannot see without scrolling sideways.
function cutOff(view) {
  let n = 0;
  for (const t of document.querySelectorAll('#view-' + view + ' .card table, #view-' + view + ' .panel table')) {
    if (t.getBoundingClientRect().right > t.parentElement.getBoundingClientRect().right + 1) n += 1;
  }
  return n;
}

const tabs = [...document.querySelectorAll('[role=tab]')];
tabs.forEach((tab, i) => {
  tab.addEventListener('click', () => { location.hash = tab.dataset.view; });
  tab.addEventListener('keydown', (e) => {
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (d) { const t = tabs[(i + d + tabs.length) % tabs.length]; t.focus(); location.hash = t.dataset.view; }
  });
});
window.addEventListener('hashchange', () => show(location.hash.slice(1)));
show(location.hash.slice(1) || 'map');
