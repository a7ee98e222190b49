// The browser example app: MQTT over secure WebSockets (RabbitMQ's web-mqtt) with the app's signed token.
// The broker takes the app's identity from the token (its subject); the token's scopes let it use only the session
// queues of client id NAME and the topics devices/NAME/commands/# (read) and devices/NAME/events/* (write), so the
// client id must be the app's name. No framework, no bundler: the mqtt package's browser build is served beside it.
import mqtt from './vendor/mqtt.esm.js';

const $ = (id) => document.getElementById(id);
const connectForm = $('connect');
const eventForm = $('event');
let client;

function setStatus(state, text) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}

function showCommand(topic, payload) {
  const row = document.createElement('tr');
  const name = topic.split('/').slice(3).join('/');
  for (const [text, cls] of [
    [new Date().toLocaleTimeString(), ''],
    [name, 'name'],
    [new TextDecoder().decode(payload), 'body'],
  ]) {
    const cell = document.createElement('td');
    cell.textContent = text; // never innerHTML: command bodies come from elsewhere
    if (cls) cell.className = cls;
    row.append(cell);
  }
  $('commands').prepend(row);
}

function connect({ url, app, token }) {
  client?.end(true);
  $('who').textContent = app;
  setStatus('connecting', `connecting to ${url} as ${app} …`);
  // The token is the password; the user name is not checked (the token names the app), the client id must be the app.
  client = mqtt.connect(url, { clientId: app, username: app, password: token, clean: true, reconnectPeriod: 5000, protocolVersion: 5 });
  client.on('connect', () => {
    setStatus('connected', `connected as ${app}; subscribing …`);
    client.subscribe(`devices/${app}/commands/#`, { qos: 1 }, (err, granted) => {
      const refused = err || !granted?.length || granted.some((g) => g.qos > 2);
      if (refused) setStatus('error', `subscription refused: ${err?.message ?? 'the broker did not grant it'}`);
      else setStatus('subscribed', `connected to ${url} as ${app}, receiving devices/${app}/commands/#`);
      eventForm.querySelector('button').disabled = Boolean(refused);
    });
  });
  client.on('message', (topic, payload) => showCommand(topic, payload));
  client.on('error', (err) => setStatus('error', `error: ${err.message}`));
  client.on('close', () => {
    if ($('status').dataset.state !== 'error') setStatus('closed', 'connection closed; retrying in 5 s');
    eventForm.querySelector('button').disabled = true;
  });
}

connectForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const data = Object.fromEntries(new FormData(connectForm));
  connect({ url: data.url, app: data.app, token: data.token });
});

eventForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const { name, body } = Object.fromEntries(new FormData(eventForm));
  const app = $('who').textContent;
  client.publish(`devices/${app}/events/${name}`, body, { qos: 1 }, (err) => {
    $('sent').textContent = err ? `event ${name} refused: ${err.message}` : `event ${name} sent (confirmed by the gateway)`;
  });
});

// Served by fedgate (the demo, the tests), config.json fills the form and connects at once; otherwise type it in.
const response = await fetch('config.json', { cache: 'no-store' }).catch(() => undefined);
if (response?.ok) {
  const config = await response.json();
  for (const key of ['url', 'app', 'token']) if (config[key]) connectForm.elements[key].value = config[key];
  if (config.url && config.app && config.token) connect(config);
}
