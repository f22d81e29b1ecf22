// api.js — every call the console makes to the broker (docs/api.md).
//
// Same origin, the session cookie sent by the browser (credentials
// same-origin), X-CSRF-Token on every unsafe method (the session's token
// from GET /api/v1/session). A failure throws an ApiError carrying the
// RFC 9457 problem; report(err) shows it in the shell's status area with
// the offending fields.

const BASE = '/api/v1';
let whoPromise = null;
let csrf = null;
const listeners = { problem: [], unauthorized: [] };

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || { status, title: `HTTP ${status}`, detail: '' };
  }
}

export function on(kind, fn) {
  listeners[kind].push(fn);
}

function emit(kind, arg) {
  for (const fn of listeners[kind]) fn(arg);
}

function url(path, query) {
  const u = new URL(BASE + path, location.origin);
  for (const [k, v] of Object.entries(query || {}))
    if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
  return u.pathname + u.search;
}

async function problemOf(res) {
  const type = res.headers.get('Content-Type') || '';
  if (type.startsWith('application/problem+json') || type.startsWith('application/json')) {
    try {
      return await res.json();
    } catch {
      /* fall through */
    }
  }
  return { status: res.status, title: res.statusText || `HTTP ${res.status}`, detail: '' };
}

// request(METHOD, '/cases', {query, body, text}): the answer's JSON (or text).
export async function request(method, path, opts = {}) {
  const headers = { Accept: opts.text ? '*/*' : 'application/json' };
  const unsafe = !['GET', 'HEAD'].includes(method);
  if (unsafe) {
    if (csrf === null) await session().catch(() => null);
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(url(path, opts.query), {
    method,
    headers,
    body,
    credentials: 'same-origin',
    cache: 'no-store',
    redirect: 'error',
  });
  if (!res.ok) {
    const err = new ApiError(res.status, await problemOf(res));
    if (res.status === 401) emit('unauthorized', err);
    throw err;
  }
  if (opts.text) return res.text();
  if (res.status === 204) return null;
  return res.json();
}

export const get = (path, query) => request('GET', path, { query });
export const getText = (path, query) => request('GET', path, { query, text: true });
export const post = (path, body) => request('POST', path, { body: body === undefined ? {} : body });
export const patch = (path, body) => request('PATCH', path, { body });
export const del = (path) => request('DELETE', path);

// Who is signed in: {actor, role, site, kind, csrf_token} (cached).
export function session() {
  if (!whoPromise) {
    whoPromise = request('GET', '/session').then(
      (who) => {
        csrf = who.csrf_token || '';
        return who;
      },
      (err) => {
        whoPromise = null;
        throw err;
      },
    );
  }
  return whoPromise;
}

export async function signOut() {
  await del('/session');
  whoPromise = null;
  csrf = null;
}

// The roles that may change a case (PATCH, notes): docs/api.md "Roles".
export function canChangeCases(who) {
  return Boolean(who && ['analyst', 'site-admin', 'admin'].includes(who.role));
}

// Shows an error in the status area (the shell listens).
export function report(err, what) {
  const problem =
    err instanceof ApiError
      ? err.problem
      : { title: 'Error', detail: (err && err.message) || String(err), status: 0 };
  emit('problem', { what, problem });
}
