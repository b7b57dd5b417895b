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
//    semantics and limits of `concur serve` (native/src/server.rs), which
//    follow httpbin.org's: /delay/{seconds} (fractions allowed, 10 s at
//    most), /status/{codes} (one code, or one of a list like 200,500 or
//    200:0.9,500:0.1 at random), /get, and concur's /echo, below the scope.
//    The rules are concur-core's `endpoints` module, copied here. Requests
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
/** httpbin's cap on /delay/{seconds} (concur_core::endpoints::DELAY_MAX_S). */
const DELAY_MAX_S = 10;
/** Codes /status/{codes} may answer with (concur_core::endpoints::STATUS_RANGE). */
const STATUS_MIN = 200;
const STATUS_MAX = 599;
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
  if (parts[0] === 'delay' && one) return onlyGet(request) || delay(decode(parts[1]), request, url);
  if (parts[0] === 'status' && one) return Promise.resolve(status(decode(parts[1])));
  if (path === 'get') return onlyGet(request) || Promise.resolve(json(200, described(request, url)));
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

/** `endpoints::parse_delay` of concur-core: the seconds to wait for a
 * plain decimal (`1`, `0.5`, `.5`; no sign, exponent, inf or NaN), capped
 * at DELAY_MAX_S; null when refused. */
function parseDelay(text) {
  const trimmed = text.trim();
  if (!/^([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(trimmed)) return null;
  return Math.min(Number(trimmed), DELAY_MAX_S);
}

/** httpbin's `args`, `headers` (Title-Case names), `origin` and `url`. The
 * request never left the machine, so its origin is 127.0.0.1. */
function described(request, url) {
  const args = {};
  for (const [name, value] of url.searchParams) {
    if (!(name in args)) args[name] = value;
    else if (Array.isArray(args[name])) args[name].push(value);
    else args[name] = [args[name], value];
  }
  const headers = {};
  for (const [name, value] of request.headers) headers[titleCase(name)] = value;
  if (!('Host' in headers)) headers.Host = url.host;
  return { args, headers, origin: '127.0.0.1', url: url.href };
}

/** `endpoints::title_case`: `user-agent` -> `User-Agent`. */
function titleCase(name) {
  return name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase()).join('-');
}

async function delay(text, request, url) {
  const seconds = parseDelay(text);
  if (seconds === null) {
    return json(400, { error: `/delay/{seconds} takes a number of seconds from 0 to ${DELAY_MAX_S}, like 1 or 0.01 (more than ${DELAY_MAX_S} waits ${DELAY_MAX_S}); got "${text.trim()}"` });
  }
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return json(200, { ...described(request, url), data: '', files: {}, form: {} });
}

/** `endpoints::pick_status`: one code, or one of a comma-separated list
 * picked at random by its weights (`code:weight`, 1 when none is given);
 * null when refused. */
function pickStatus(codes, roll) {
  const choices = [];
  for (const choice of codes.trim().split(',')) {
    const at = choice.indexOf(':');
    const code = (at < 0 ? choice : choice.slice(0, at)).trim();
    const weightText = at < 0 ? '1' : choice.slice(at + 1).trim();
    if (!/^[0-9]+$/.test(code)) return null;
    const value = Number(code);
    const weight = /^([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(weightText) ? Number(weightText) : NaN;
    if (!(value >= STATUS_MIN && value <= STATUS_MAX) || !(weight >= 0)) return null;
    choices.push([value, weight]);
  }
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  if (!(total > 0)) return null;
  let left = Math.min(Math.max(roll, 0), 1) * total;
  for (const [value, weight] of choices) {
    if (left < weight) return value;
    left -= weight;
  }
  return [...choices].reverse().find(([, weight]) => weight > 0)[0];
}

/** That status with an empty body, as httpbin sends it (418: a teapot). */
function status(text) {
  const code = pickStatus(text, Math.random());
  if (code === null) {
    return json(400, { error: `Invalid status code: /status/{codes} takes a code from ${STATUS_MIN} to ${STATUS_MAX}, a list like 200,500 (one at random) or weights like 200:0.9,500:0.1; got "${text}"` });
  }
  const response = reply(code, code === 418 ? TEAPOT : '', null);
  response.headers.set('content-type', 'text/html; charset=utf-8');
  if (code === 418) response.headers.set('x-more-info', 'http://tools.ietf.org/html/rfc2324');
  return response;
}

/** What native/src/server/httpbin.rs's 418 says. */
const TEAPOT = "\n    -=[ teapot ]=-\n\n    I'm a teapot (RFC 2324): no coffee here.\n";

async function echo(request) {
  const body = await request.arrayBuffer();
  return reply(200, body, request.headers.get('content-type') || 'application/octet-stream');
}
