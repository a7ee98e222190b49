// fedgate console: renders each snapshot the server pushes (server-sent events). Text only, never innerHTML: names,
// reasons and errors come from brokers.
'use strict';
const $ = (id) => document.getElementById(id);
let latest;

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (className) td.className = className;
  row.append(td);
  return td;
}

function linkCell(row, link) {
  const td = cell(row, '', 'link');
  if (!link) {
    td.textContent = '—';
    return;
  }
  td.dataset.link = link.direction;
  td.dataset.state = link.state;
  const state = document.createElement('span');
  state.className = `state ${link.state === 'running' ? 'running' : 'down'}`;
  state.textContent = link.state;
  const canary = link.canary ? (link.canary.delivered ? ` ${link.canary.roundTripMs} ms` : ' canary LOST') : '';
  const depth = link.depth === undefined ? '' : ` · ${link.depth} waiting`;
  td.append(`${link.kind} `, state, `${canary}${depth}`);
  td.title = `${link.name}${link.reason ? ` — ${link.reason}` : ''}`;
}

function render(snapshot) {
  latest = snapshot;
  $('topology').textContent = snapshot.topology;
  $('overall').textContent = snapshot.ok ? 'fleet healthy' : 'fleet NOT healthy';
  $('overall').className = `pill ${snapshot.ok ? 'ok' : 'bad'}`;
  $('updated').textContent = `updated ${new Date(snapshot.at).toLocaleTimeString()} (${snapshot.tookMs} ms)`;
  $('failure').textContent = '';
  const r = snapshot.router;
  $('router').textContent = !r
    ? ''
    : !r.ok
      ? `router ${r.url}: ${r.error}`
      : `router: ${
          Object.entries(r.routedPerSecond ?? {})
            .map(([k, v]) => `${k} ${v.toFixed(1)}/s`)
            .join(', ') || 'measuring…'
        }` +
        `${r.deadLetteredPerSecond === undefined ? '' : `, dead-lettered ${r.deadLetteredPerSecond.toFixed(1)}/s`}, ${r.directoryDevices ?? 0} devices placed`;
  const problemsOnly = $('problems').checked;
  const rows = [];
  for (const c of snapshot.clusters) {
    if (problemsOnly && c.healthy) continue;
    const links = snapshot.links.filter((l) => l.gateway === c.name);
    const row = document.createElement('tr');
    row.dataset.cluster = c.name;
    row.dataset.health = c.healthy ? 'healthy' : 'unhealthy';
    cell(row, c.name);
    cell(row, c.role);
    cell(row, c.region);
    cell(row, c.version ?? '?');
    cell(row, c.healthy ? 'healthy' : c.reachable ? 'degraded' : 'unreachable', 'health');
    cell(row, c.devices === undefined ? (c.role === 'gateway' ? '?' : '') : String(c.devices), 'num');
    for (const direction of ['downlink', 'uplink', 'presence']) {
      if (c.role === 'backend') cell(row, '');
      else
        linkCell(
          row,
          links.find((l) => l.direction === direction),
        );
    }
    const why = [
      c.error,
      ...links
        .filter((l) => l.state !== 'running' || l.canary?.delivered === false)
        .map((l) => `${l.direction} ${l.state}${l.reason ? `: ${l.reason}` : ''}${l.canary?.delivered === false ? ' (canary lost)' : ''}`),
    ]
      .filter(Boolean)
      .join('; ');
    cell(row, why, 'why').title = why; // one line per cluster; the whole reason on hover
    rows.push(row);
  }
  $('rows').replaceChildren(...rows);
}

$('problems').addEventListener('change', () => latest && render(latest));
const events = new EventSource('events');
events.addEventListener('snapshot', (e) => render(JSON.parse(e.data)));
events.addEventListener('failure', (e) => {
  $('failure').textContent = `refresh failed: ${JSON.parse(e.data).message}`;
});
events.addEventListener('error', () => {
  $('overall').textContent = 'console server unreachable, retrying…';
  $('overall').className = 'pill bad';
});
