// stream.js — live updates from GET /api/v1/stream (Server-Sent Events).
//
// One EventSource for the tab; the browser reconnects by itself and sends
// Last-Event-ID, so the broker replays what was missed. Pages subscribe to
// event names (case.opened, case.updated, approval.requested, ...) and to
// the connection state (the header's "live" indicator).

const EVENTS = [
  'case.opened',
  'case.updated',
  'approval.requested',
  'approval.decided',
  'run.completed',
  'site.connected',
  'site.disconnected',
  'site.source_silent', // a configured source went silent (docs/mna-gap.md)
  'site.source_flowing',
];

let source = null;
const subscribers = new Map(); // event name -> Set of fn(data, id)
const stateSubscribers = new Set();
let state = 'off';

function setState(s) {
  state = s;
  for (const fn of stateSubscribers) fn(s);
}

export function start() {
  if (source) return;
  source = new EventSource('/api/v1/stream', { withCredentials: false });
  setState('connecting');
  source.addEventListener('open', () => setState('live'));
  source.addEventListener('error', () => {
    // CONNECTING: the browser retries by itself; CLOSED: it gave up (401...)
    setState(source && source.readyState === EventSource.CLOSED ? 'off' : 'connecting');
  });
  for (const name of EVENTS) {
    source.addEventListener(name, (ev) => {
      let data = null;
      try {
        data = JSON.parse(ev.data);
      } catch {
        return;
      }
      for (const fn of subscribers.get(name) || []) fn(data, ev.lastEventId);
    });
  }
}

export function stop() {
  if (source) source.close();
  source = null;
  setState('off');
}

// Subscribes fn(data, id) to an event; returns the unsubscribe function.
export function subscribe(name, fn) {
  if (!subscribers.has(name)) subscribers.set(name, new Set());
  subscribers.get(name).add(fn);
  return () => subscribers.get(name).delete(fn);
}

export function onState(fn) {
  stateSubscribers.add(fn);
  fn(state);
  return () => stateSubscribers.delete(fn);
}
