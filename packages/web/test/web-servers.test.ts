import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { WebError, routerRatesReader, startConsoleServer, startExampleAppServer, sumByLabel, type ConsoleSnapshot } from '@fedgate/web';

const snapshot = (n: number): ConsoleSnapshot => ({ topology: 't', at: new Date(n).toISOString(), tookMs: 1, ok: true, clusters: [], links: [] });

/** Reads server-sent events from `url` until `count` have arrived. */
async function readEvents(url: string, count: number): Promise<{ event: string; data: string }[]> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const events: { event: string; data: string }[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data });
    }
    if (events.length >= count) break;
  }
  controller.abort();
  return events;
}

describe('web - example app and console servers (no broker)', () => {
  it('example app: serves the page, the mqtt browser build and config.json on loopback, and nothing else', async () => {
    const server = await startExampleAppServer({ config: { url: 'wss://gw:8083/ws', app: 'a1', token: 't0k' } });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(server.url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script type="module" src="app.js">/);
      assert.equal(page.headers.get('cache-control'), 'no-store');
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      const vendor = await fetch(new URL('vendor/mqtt.esm.js', server.url));
      assert.equal(vendor.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.match(await vendor.text(), /export default/);
      assert.deepEqual(await (await fetch(new URL('config.json', server.url))).json(), { url: 'wss://gw:8083/ws', app: 'a1', token: 't0k' });
      for (const path of ['/../package.json', '/%2e%2e/package.json', '/vendor/../app.js.map', '/README.md']) {
        assert.equal((await fetch(server.url.slice(0, -1) + path)).status, 404, path);
      }
      assert.equal((await fetch(server.url, { method: 'POST' })).status, 404);
    } finally {
      await server.close();
    }
  });

  it('example app: refuses a gateway URL that is not ws(s):// and a port in use, saying which', async () => {
    await assert.rejects(
      startExampleAppServer({ config: { url: 'http://gw/ws', app: 'a' } }),
      (e: WebError) => e.code === 'WEB_INVALID_OPTION' && e.exitCode === 2,
    );
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(startExampleAppServer({ config: { url: 'wss://gw/ws', app: 'a' }, port }), /port \d+ on 127\.0\.0\.1 is already in use/);
    } finally {
      blocker.close();
    }
  });

  it('console: pushes a snapshot per refresh to every viewer, collects only while watched, and says when one fails', async () => {
    let calls = 0;
    let fail = false;
    const server = await startConsoleServer({
      refreshMs: 500,
      collect: async () => {
        calls += 1;
        if (fail) throw new Error('core unreachable');
        return snapshot(calls);
      },
    });
    try {
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(calls, 0, 'nobody watching, nothing collected');
      const events = await readEvents(new URL('events', server.url).href, 2);
      assert.deepEqual(
        events.map((e) => e.event),
        ['snapshot', 'snapshot'],
      );
      assert.ok(JSON.parse(events[1]!.data).at > JSON.parse(events[0]!.data).at, 'a newer snapshot each refresh');
      fail = true;
      const next = await readEvents(new URL('events', server.url).href, 2); // the cached one, then the failure
      assert.equal(next[0]!.event, 'snapshot');
      assert.deepEqual([next[1]!.event, JSON.parse(next[1]!.data).message], ['failure', 'core unreachable']);
      const html = await (await fetch(server.url)).text();
      assert.match(html, /<script src="console.js">/);
    } finally {
      await server.close();
    }
    await assert.rejects(startConsoleServer({ refreshMs: 10, collect: async () => snapshot(0) }), /at least 500 ms/);
  });

  it('router rates: counters by label from Prometheus text, per second against the previous read, restart-safe', async () => {
    const text = [
      '# HELP fedgate_router_commands_routed_total x',
      'fedgate_router_commands_routed_total{route="direct",gateway="eu"} 10',
      'fedgate_router_commands_routed_total{route="direct",gateway="us"} 5',
      'fedgate_router_commands_routed_total{route="broadcast",gateway=""} 2',
      'fedgate_router_commands_dead_lettered_total{reason="expired"} 1',
      'fedgate_router_directory_devices 42',
    ].join('\n');
    assert.deepEqual(
      [...sumByLabel(text, 'fedgate_router_commands_routed_total', 'route')],
      [
        ['direct', 15],
        ['broadcast', 2],
      ],
    );
    let body = text;
    const metrics = createServer((_req, res) => res.end(body));
    metrics.listen(0, '127.0.0.1');
    await once(metrics, 'listening');
    try {
      const read = routerRatesReader(`http://127.0.0.1:${(metrics.address() as { port: number }).port}/metrics`);
      const first = await read();
      assert.equal(first.ok, true);
      assert.equal(first.routedPerSecond, undefined, 'no rate from one read');
      assert.equal(first.directoryDevices, 42);
      await new Promise((r) => setTimeout(r, 200));
      body = text.replace('gateway="eu"} 10', 'gateway="eu"} 30');
      const second = await read();
      assert.ok(second.routedPerSecond!.direct! > 50 && second.routedPerSecond!.direct! < 110, String(second.routedPerSecond!.direct));
      assert.equal(second.routedPerSecond!.broadcast, 0);
      body = text.replace('gateway="eu"} 10', 'gateway="eu"} 1'); // restarted: counters went down
      assert.ok((await read()).routedPerSecond!.direct! >= 0);
    } finally {
      metrics.close();
    }
    assert.equal((await routerRatesReader('http://127.0.0.1:1/metrics')()).ok, false);
    assert.throws(() => routerRatesReader('ftp://x'), /expected http/);
  });
});
