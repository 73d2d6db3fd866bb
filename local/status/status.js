// Polls /_local/status.json and draws each function's instances, so scaling can be watched.
const functions = document.getElementById('functions');
const logs = document.getElementById('logs');
const updated = document.getElementById('updated');

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : String(c));
  return node;
}

function fmt(n, digits = 1) {
  return n == null ? '–' : Number(n).toFixed(digits);
}

// The function's own metrics (from its log lines): a counter's total, else the latest value.
function drawMetrics(metrics) {
  if (metrics.length === 0) return 'metrics: none yet';
  return 'metrics: ' + metrics.map((m) => {
    const labels = m.dimensions.map(([k, v]) => `${k}=${v}`).join(',');
    const name = labels ? `${m.name}{${labels}}` : m.name;
    const counted = m.unit == null || m.unit === 'Count' || m.unit === 'None';
    return counted ? `${name} ${m.sum}` : `${name} ${fmt(m.last, 1)} ${m.unit} (×${m.count})`;
  }).join(' · ');
}

function drawFunction(f, metrics) {
  const errors = Object.entries(f.stats.errors).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const table = el('table', {},
    el('tr', {}, ...['#', 'pid', 'state', 'in flight', 'served', 'init ms', 'age s', 'RSS MiB', 'CPU %', 'recent latencies ms']
      .map((h) => el('th', {}, h))));
  for (const i of f.instances) {
    const bar = el('span', { class: 'bar', style: `width:${(i.in_flight / f.concurrency) * 6}rem` });
    table.append(el('tr', {},
      el('td', {}, i.id), el('td', {}, i.pid ?? '–'), el('td', { class: i.state }, i.state),
      el('td', {}, `${i.in_flight}/${f.concurrency} `, bar), el('td', {}, i.invocations),
      el('td', {}, fmt(i.init_ms, 2)), el('td', {}, fmt(i.age_s)), el('td', {}, fmt(i.rss_kib / 1024)),
      el('td', {}, fmt(i.cpu_percent)), el('td', {}, i.recent_latencies_ms.map((l) => fmt(l, 0)).join(' '))));
  }
  return el('div', { class: 'fn' },
    el('h2', {}, f.name),
    el('div', { class: 'meta' },
      `policy ${f.policy} · concurrency ${f.concurrency} · instances ${f.instances.length} (min ${f.min_instances}, max ${f.max_instances}) · queued ${f.queued} · `
      + `invocations ${f.stats.invocations} · cold starts ${f.stats.cold_starts} · init failures ${f.stats.init_failures} · errors ${errors}`),
    el('div', { class: 'meta' }, drawMetrics(metrics)),
    table);
}

async function refresh() {
  try {
    const response = await fetch('/_local/status.json', { cache: 'no-store' });
    const status = await response.json();
    functions.replaceChildren(...status.functions.map(
      (f) => drawFunction(f, status.metrics.filter((m) => m.function === f.name))));
    logs.textContent = status.logs.join('\n');
    updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    updated.textContent = `platform unreachable (${e.message})`;
  }
}

refresh();
setInterval(refresh, 500);
