// The playground's own service worker (web/sw.js). Trunk copies it into
// dist/ under this fixed name; `cargo xtask web` then writes the build's
// content hash and file list into the BUILD line below. Its scope is the
// folder it is served from, so the page works under any sub-path.
//
// It does three things for the pages it controls:
// 1. Cross-origin isolation on hosts that send no COOP/COEP headers: every
//    same-origin response it hands out carries COOP same-origin, COEP
//    require-corp and CORP same-origin, so a page it serves may share memory
//    between workers (the threads models). The page registers it only when
//    it is not isolated already; under `concur serve` it is never involved.
// 2. The experiments' endpoints, answered inside the browser with the
//    semantics and limits of `concur serve` (native/src/server.rs):
//    /delay/{ms}, /status/{code}, /get, /echo below the scope. Requests
//    from the runner's workers (fetch and synchronous XHR) pass through it,
//    so a delay is a real request that really waits.
// 3. Offline use: the build is cached on install, in a cache named by the
//    build's content hash, and served from there. The database runner
//    (`runner_db*`: SQLite, most of the build's bytes, needed by db-inserts
//    alone) is left out of the install and cached the first time a
//    db-inserts run fetches it, so a first visit never downloads SQLite. A new deploy installs
//    a new cache entirely (or not at all), takes over, deletes the old
//    caches, and the page reloads once onto it: page and runner always come
//    from one build.
'use strict';

const BUILD = null; // cargo xtask web writes { hash, files } here

const CACHE_PREFIX = 'concur-';
const build = BUILD || { hash: 'unversioned', files: [] };
const CACHE = `${CACHE_PREFIX}${build.hash}`;
const SCOPE = new URL(self.registration.scope);
const DELAY_MAX_MS = 60000;
/** Every answer of an endpoint says who served it; the page shows it. */
const SERVED_BY = ['x-concur-served-by', 'browser'];
/** Build files cached when first fetched instead of on install. */
const lazy = (file) => file.startsWith('runner_db');

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // All or nothing: addAll fails if one file fails, and then this build
    // is not installed and the previous one stays in charge.
    const eager = build.files.filter((file) => !lazy(file));
    await cache.addAll(eager.map((file) => new Request(new URL(file, SCOPE), { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  // Other origins, and paths above the scope, are none of ours.
  if (url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return;
  const path = url.pathname.slice(SCOPE.pathname.length);
  const answer = endpoint(event.request, path, url);
  event.respondWith(answer || fromBuild(event.request, path));
});

// ---- the build: from this build's cache, else the network ----

async function fromBuild(request, path) {
  if (request.method === 'GET' || request.method === 'HEAD') {
    const key = new URL(path === '' ? 'index.html' : path, SCOPE).href;
    const navigation = request.mode === 'navigate';
    const cache = await caches.open(CACHE);
    // A navigation may carry a query (the page's state lives after #).
    const cached = await cache.match(key, { ignoreSearch: navigation })
      // While a new build takes over, a page of the old one may still ask
      // for its hashed files: any concur cache that has them will do.
      || (navigation ? undefined : await caches.match(key));
    if (cached) return isolated(cached);
    if (request.method === 'GET' && lazy(path) && build.files.includes(path)) {
      const response = await fetch(request);
      if (response.ok) await cache.put(key, response.clone());
      return isolated(response);
    }
  }
  return isolated(await fetch(request));
}

/** The response with the isolation headers added, unless it has them. */
function isolated(response) {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) return response;
  if (response.headers.has('cross-origin-embedder-policy')) return response;
  const headers = new Headers(response.headers);
  headers.set('cross-origin-opener-policy', 'same-origin');
  headers.set('cross-origin-embedder-policy', 'require-corp');
  headers.set('cross-origin-resource-policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

// ---- the endpoints, as `concur serve` answers them ----

/** The answer to an endpoint request, or null when `path` names none. */
function endpoint(request, path, url) {
  const parts = path.split('/');
  const one = parts.length === 2 && parts[1] !== '';
  if (parts[0] === 'delay' && one) return onlyGet(request) || delay(decode(parts[1]));
  if (parts[0] === 'status' && one) return Promise.resolve(status(decode(parts[1])));
  if (path === 'get') return onlyGet(request) || Promise.resolve(describe(request, url));
  if (path === 'echo') return echo(request);
  return null;
}

function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch (_) {
    return segment;
  }
}

function reply(status, body, contentType) {
  const headers = new Headers([SERVED_BY,
    ['cross-origin-opener-policy', 'same-origin'],
    ['cross-origin-embedder-policy', 'require-corp'],
    ['cross-origin-resource-policy', 'same-origin']]);
  // 204, 205 and 304 carry no body (a Response refuses one).
  const bodyless = [204, 205, 304].includes(status);
  if (contentType && !bodyless) headers.set('content-type', contentType);
  return new Response(bodyless ? null : body, { status, headers });
}

function json(status, value) {
  return reply(status, JSON.stringify(value), 'application/json');
}

/** GET (and HEAD) only, as axum's `get` routes: anything else is a 405. */
function onlyGet(request) {
  if (request.method === 'GET' || request.method === 'HEAD') return null;
  const response = reply(405, null, null);
  response.headers.set('allow', 'GET,HEAD');
  return Promise.resolve(response);
}

/** `Limit::parse` of concur-core: digits, optionally grouped in threes by
 * one kind of separator (`_` or `,`), within 0..=60,000. */
function parseDelay(text) {
  const trimmed = text.trim();
  const separators = [...trimmed].filter((c) => c === '_' || c === ',');
  let digits = trimmed;
  if (separators.length > 0) {
    const separator = separators[0];
    if (separators.some((c) => c !== separator)) return null;
    const [head, ...rest] = trimmed.split(separator);
    const headOk = /^[0-9]{1,3}$/.test(head);
    const restOk = rest.every((group) => /^[0-9]{3}$/.test(group));
    if (!headOk || !restOk) return null;
    digits = trimmed.split(separator).join('');
  }
  if (!/^[0-9]+$/.test(digits)) return null;
  const value = Number(digits);
  return value <= DELAY_MAX_MS ? value : null;
}

async function delay(text) {
  const ms = parseDelay(text);
  if (ms === null) {
    return json(400, { error: `delay must be a whole number from 0 to 60,000 (got "${text.trim()}")` });
  }
  await new Promise((resolve) => setTimeout(resolve, ms));
  return json(200, { delay_ms: ms });
}

function status(text) {
  const code = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(code >= 200 && code <= 599)) {
    return json(400, { error: `status must be a whole number from 200 to 599 (got "${text}")` });
  }
  return json(code, { status: code });
}

function describe(request, url) {
  const headers = {};
  for (const [name, value] of request.headers) headers[name] = value;
  return json(200, { method: request.method, path: url.pathname, query: url.search.slice(1), headers });
}

async function echo(request) {
  const body = await request.arrayBuffer();
  return reply(200, body, request.headers.get('content-type') || 'application/octet-stream');
}
