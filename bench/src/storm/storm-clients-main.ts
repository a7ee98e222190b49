// One process of a storm's simulated devices: connects its share of the logins at the agreed moment, subscribes
// each to its own commands with QoS 1, retries failed attempts with jittered back-off, and reports progress to the
// parent. Spreading the devices over processes keeps the clients' TLS handshakes off the bench's event loop.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { FromStormClients, StormClientSettings, StormLogin, ToStormClients } from './storm-protocol.ts';

const REPORT_EVERY_MS = 250;

let logins: readonly StormLogin[] = [];
let settings: StormClientSettings | undefined;
const clients = new Set<MqttClient>();
const retryTimers = new Set<NodeJS.Timeout>();
let subscribedSinceReport: number[] = [];
let failedAttempts = 0;
let dropped = 0;
const failures: Record<string, number> = {};
let stopping = false;
let reporting: NodeJS.Timeout | undefined;

function send(message: FromStormClients): void {
  // The parent may be gone (a killed bench): nothing is left to tell.
  if (process.connected) process.send!(message);
}

function connectedNow(): number {
  let n = 0;
  for (const c of clients) if (c.connected) n++;
  return n;
}

function report(): void {
  send({ type: 'progress', subscribedAtEpochMs: subscribedSinceReport, failedAttempts, dropped, connected: connectedNow(), failures: { ...failures } });
  subscribedSinceReport = [];
}

function options(login: StormLogin, s: StormClientSettings): IClientOptions {
  return {
    clientId: login.clientId,
    ...(login.username !== undefined ? { username: login.username } : {}),
    ...(login.password !== undefined ? { password: login.password } : {}),
    ...(login.cert !== undefined ? { cert: login.cert, key: login.key } : {}),
    ...(s.ca !== undefined ? { ca: s.ca, rejectUnauthorized: true } : {}),
    protocolVersion: 5,
    clean: true,
    properties: { sessionExpiryInterval: s.sessionExpirySeconds },
    // Retries are this process's own (jittered back-off), not mqtt.js's fixed period.
    reconnectPeriod: 0,
    connectTimeout: s.connectTimeoutMs,
    keepalive: s.keepaliveSeconds,
  };
}

/** Devices between the start of an attempt and their SUBACK (or the attempt's end), and those waiting their turn. */
let attemptsRunning = 0;
const waitingTurn: (() => void)[] = [];

function whenTurnComes(s: StormClientSettings, start: () => void): void {
  if (attemptsRunning < s.attemptsInFlight) {
    attemptsRunning++;
    start();
  } else waitingTurn.push(start);
}

function turnDone(): void {
  const next = waitingTurn.shift();
  if (next) next();
  else attemptsRunning--;
}

/** A device's life in the storm: connect, subscribe once granted QoS 1, and after any loss retry with back-off. */
function device(login: StormLogin, s: StormClientSettings, attempt = 0, subscribed = false): void {
  if (stopping) return;
  whenTurnComes(s, () => connectAttempt(login, s, attempt, subscribed));
}

function connectAttempt(login: StormLogin, s: StormClientSettings, attempt: number, subscribed: boolean): void {
  if (stopping) return;
  const client = mqtt.connect(login.url, options(login, s));
  clients.add(client);
  let connected = false;
  let turnHeld = true;
  const releaseTurn = () => {
    if (!turnHeld) return;
    turnHeld = false;
    turnDone();
  };
  client.on('connect', () => {
    connected = true;
    if (subscribed) return releaseTurn();
    client.subscribe(`devices/${login.clientId}/commands/#`, { qos: 1 }, (err, granted) => {
      releaseTurn();
      if (err || subscribed || granted?.[0]?.qos !== 1) return;
      subscribed = true;
      subscribedSinceReport.push(performance.timeOrigin + performance.now());
    });
  });
  client.on('error', (err) => {
    const kind = err.message.split('\n')[0]!.slice(0, 80);
    failures[kind] = (failures[kind] ?? 0) + 1;
  });
  client.once('close', () => {
    releaseTurn();
    clients.delete(client);
    client.end(true);
    if (stopping) return;
    if (connected) dropped++;
    else failedAttempts++;
    const next = connected ? 0 : attempt + 1;
    const delay = Math.random() * Math.min(s.backoffMaxMs, s.backoffBaseMs * 2 ** next);
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      device(login, s, next, subscribed);
    }, delay);
    retryTimers.add(timer);
  });
}

process.on('message', (message: ToStormClients) => {
  if (message.type === 'load') {
    logins = message.logins;
    settings = message.settings;
    send({ type: 'loaded' });
  } else if (message.type === 'go') {
    const s = settings!;
    setTimeout(
      () => {
        for (const login of logins) device(login, s);
      },
      Math.max(0, message.atEpochMs - Date.now()),
    );
    reporting = setInterval(report, REPORT_EVERY_MS);
  } else if (message.type === 'stop') {
    stopping = true;
    clearInterval(reporting);
    for (const timer of retryTimers) clearTimeout(timer);
    report();
    void Promise.all([...clients].map((c) => c.endAsync(true).catch(() => undefined))).then(() => {
      send({ type: 'stopped' });
      process.disconnect();
    });
  }
});
