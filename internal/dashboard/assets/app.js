// SIE gateway dashboard: plain JavaScript, no dependencies, no build step.
//
// Data: GET ../v1/dashboard/events (server-sent events read with fetch, so
// the read token travels in the Authorization header, never in a URL), or
// GET ../v1/dashboard every second when the stream cannot be read. One
// model: GET …/{id}/rollout (the fleet-wide view) or, where the gateway
// does not serve it, …/{id}/status, and the YAML view GET …/{id}.
'use strict';
(function () {
  const API = {
    snapshot: '../v1/dashboard',
    events: '../v1/dashboard/events',
    model: (id) => '../v1/configs/models/' + id.split('/').map(encodeURIComponent).join('/'),
  };
  const TOKEN_KEY = 'sie.gateway.token';
  const FIRST_FRAME_MS = 4000; // no first frame by then: a proxy buffers the stream; poll instead
  const SILENCE_MS = 7000; // the gateway sends a frame at least every 2 s
  const POLL_MS = 1000;
  const MODEL_POLL_MS = 1000;
  const STALE_MS = 6000;

  // Model states, worst first; each has a colour, a glyph and its code.
  const STATES = ['unroutable', 'no_workers', 'pending', 'acked_unservable', 'ready'];
  const STATE_LOOK = {
    ready: ['b-ok', '✓', 'Every eligible worker holds the expected configuration and can serve the model'],
    acked_unservable: ['b-warn', '!', 'Every worker acked, but the workers cannot serve this document'],
    pending: ['b-wait', '◔', 'Some healthy workers do not hold the expected configuration yet'],
    no_workers: ['b-bad', '✕', 'A bundle of the model has no healthy worker on this gateway'],
    unroutable: ['b-conf', '⊘', 'No bundle can run any profile of the model'],
  };
  const HEALTH_LOOK = {
    healthy: ['b-ok', '●', 'Connected and reporting ready'],
    unhealthy: ['b-bad', '●', 'Not ready, or the gateway lost its status connection'],
    unknown: ['b-off', '●', 'Connected but never reported ready'],
  };
  const DETAIL_LOOK = {
    '': ['b-ok', '✓', 'in sync', 'Reports the configuration this gateway expects'],
    behind: ['b-wait', '◔', 'behind', 'Holds the configuration of an older epoch'],
    unknown_config: ['b-warn', '?', 'unknown_config', 'Reports a configuration this gateway never expected (restart or lost deltas without catch-up)'],
    not_ready: ['b-off', '…', 'not_ready', 'Connected, but reports ready: false'],
    disconnected: ['b-bad', '✕', 'disconnected', 'The gateway lost its status connection, or heard nothing within the heartbeat timeout'],
  };
  const FORM_LOOK = {
    strict: ['b-ok', '✓', 'Workers hold the full document and can serve it'],
    stub: ['b-warn', '!', 'Workers hold a stub without outputs and reject inference for this model'],
    ignored: ['b-bad', '✕', 'Workers do not hold this document at all'],
  };

  const S = {
    token: '',
    mode: 'stream', // or 'poll'
    frames: 0,
    lastFrameAt: 0,
    ready: true,
    epoch: null,
    generatedAt: 0,
    models: null,
    bundles: [],
    workers: [],
    connProblem: '',
    route: { view: 'models' },
    stateFilter: '',
    modelView: null,
    rolloutUnavailable: false,
    gwOpen: {},
    signatures: {},
  };
  try { S.token = sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { S.token = ''; }

  const $ = (id) => document.getElementById(id);

  // ---- DOM helpers -------------------------------------------------------

  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid == null || kid === false) continue;
      e.append(kid instanceof Node ? kid : String(kid));
    }
    return e;
  }

  // badge is a code shown in colour, with a glyph and the code as text
  // (never colour alone); data-value holds the code as the API spells it.
  function badge(look, value, text, title) {
    return h('span', { class: 'badge ' + look[0], title: title || look[2], 'data-value': value },
      h('span', { class: 'g', 'aria-hidden': 'true' }, look[1]), text);
  }
  const stateBadge = (s) => badge(STATE_LOOK[s] || ['b-off', '•', ''], s, s);
  const healthBadge = (s) => badge(HEALTH_LOOK[s] || HEALTH_LOOK.unknown, s, s);
  function detailBadge(detail) {
    const l = DETAIL_LOOK[detail] || ['b-off', '•', detail, ''];
    return badge(l, detail, l[2], l[3]);
  }
  const formBadge = (f) => badge(FORM_LOOK[f] || ['b-off', '•', ''], f, f || 'unknown');

  const shortHash = (x) => (x ? x.slice(0, 12) : '');
  function hashCell(x) {
    return x ? h('span', { class: 'hash', title: x }, shortHash(x)) : h('span', { class: 'muted' }, '—');
  }
  const epochText = (e) => (e == null ? '—' : String(e));

  function ago(ms) {
    if (ms < 1000) return '<1 s ago';
    if (ms < 60000) return Math.floor(ms / 1000) + ' s ago';
    if (ms < 3600000) return Math.floor(ms / 60000) + ' min ago';
    return Math.floor(ms / 3600000) + ' h ago';
  }
  const clock = (t) => new Date(t).toLocaleTimeString();

  // replaceIfChanged swaps el's content only when sig differs from the
  // last one, so a refresh that changes nothing keeps selections and focus.
  function replaceIfChanged(key, el, sig, build) {
    if (S.signatures[key] === sig) return;
    S.signatures[key] = sig;
    el.replaceChildren(...[build()].flat(Infinity).filter((x) => x != null && x !== false));
  }

  // ---- HTTP --------------------------------------------------------------

  class AuthError extends Error {}
  class HttpError extends Error {
    constructor(status, message) {
      super('HTTP ' + status + (message ? ': ' + message : ''));
      this.status = status;
    }
  }

  async function errorMessage(res) {
    let text = '';
    try { text = await res.text(); } catch (e) { return res.statusText; }
    try {
      const v = JSON.parse(text);
      if (v && typeof v.message === 'string') return v.message;
      if (v && v.detail && typeof v.detail.message === 'string') return v.detail.message;
    } catch (e) { /* not JSON */ }
    return text.slice(0, 200) || res.statusText;
  }

  function request(path, opts, token) {
    const t = token === undefined ? S.token : token;
    const headers = t ? { Authorization: 'Bearer ' + t } : {};
    return fetch(path, Object.assign({ cache: 'no-store', credentials: 'omit', headers }, opts || {}));
  }

  // get fetches path and throws AuthError on 401.
  async function get(path, opts) {
    const res = await request(path, opts);
    if (res.status === 401) throw new AuthError(await errorMessage(res));
    return res;
  }

  // ---- Connection: stream, else polling -----------------------------------

  const conn = { gen: 0, ctrl: null, retry: 0, timer: 0, backoff: 1000 };

  function stopConnection() {
    conn.gen++;
    if (conn.ctrl) conn.ctrl.abort();
    conn.ctrl = null;
    clearTimeout(conn.retry);
    clearTimeout(conn.timer);
  }

  function connect() {
    stopConnection();
    const gen = conn.gen;
    if (S.mode === 'poll') poll(gen);
    else stream(gen);
  }

  async function stream(gen) {
    const ctrl = new AbortController();
    conn.ctrl = ctrl;
    if (!S.frames) setLive('connecting');
    let got = false;
    let timedOut = false;
    const arm = (ms) => {
      clearTimeout(conn.timer);
      conn.timer = setTimeout(() => { timedOut = true; ctrl.abort(); }, ms);
    };
    try {
      const res = await get(API.events, { signal: ctrl.signal });
      if (!res.ok) throw new HttpError(res.status, await errorMessage(res));
      if (!res.body || !res.body.getReader) {
        switchToPolling();
        return;
      }
      arm(FIRST_FRAME_MS);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
          if (!data) continue;
          got = true;
          arm(SILENCE_MS);
          conn.backoff = 1000;
          if (gen === conn.gen) onFrame(JSON.parse(data));
        }
      }
      throw new Error('the gateway closed the stream');
    } catch (e) {
      clearTimeout(conn.timer);
      if (gen !== conn.gen) return; // superseded: signed out, or switched to polling
      if (e instanceof AuthError) {
        needAuth(e.message);
        return;
      }
      if (timedOut && !got) {
        switchToPolling();
        return;
      }
      if (timedOut) S.connProblem = 'The update stream went silent; reconnecting…';
      else if (e instanceof HttpError) S.connProblem = 'The gateway refused the update stream (' + e.message + '); retrying…';
      else S.connProblem = 'Lost the connection to the gateway (' + e.message + '); reconnecting…';
      setLive('off');
      render();
      conn.retry = setTimeout(() => { if (gen === conn.gen) stream(gen); }, conn.backoff);
      conn.backoff = Math.min(conn.backoff * 2, 10000);
    }
  }

  function switchToPolling() {
    S.mode = 'poll';
    connect();
  }

  async function poll(gen) {
    try {
      const res = await get(API.snapshot);
      if (gen !== conn.gen) return;
      if (!res.ok) throw new HttpError(res.status, await errorMessage(res));
      onFrame(await res.json());
    } catch (e) {
      if (gen !== conn.gen) return;
      if (e instanceof AuthError) {
        needAuth(e.message);
        return;
      }
      S.connProblem = 'Cannot read the gateway (' + e.message + '); retrying…';
      setLive('off');
      render();
    }
    if (gen === conn.gen) conn.timer = setTimeout(() => poll(gen), POLL_MS);
  }

  function onFrame(f) {
    const epochMoved = f.config_epoch !== S.epoch;
    S.frames++;
    S.lastFrameAt = Date.now();
    S.connProblem = '';
    if (f.models) {
      S.models = f.models;
      S.bundles = f.bundles || [];
    }
    S.workers = f.workers || [];
    S.epoch = f.config_epoch;
    S.ready = f.ready;
    S.generatedAt = Date.parse(f.generated_at) || 0;
    setLive(S.mode === 'poll' ? 'poll' : 'on');
    render();
    if (S.route.view === 'model' && (f.models || epochMoved)) refreshModel();
  }

  function setLive(kind) {
    const el = $('live');
    const look = {
      on: ['live-on', 'Live', 'Server-sent events: updates arrive as they happen'],
      poll: ['live-poll', 'Polling every 1 s', 'The update stream could not be read here (a buffering proxy?); polling instead'],
      connecting: ['live-connecting', 'Connecting…', ''],
      off: ['live-off', 'Disconnected', 'Retrying'],
      auth: ['live-off', 'Sign-in required', 'This gateway requires a read token'],
    }[kind];
    el.className = 'live ' + look[0];
    el.textContent = look[1];
    el.title = look[2];
    el.dataset.state = kind;
  }

  // ---- Auth --------------------------------------------------------------

  function needAuth(message) {
    stopConnection();
    const rejected = S.token !== '';
    S.token = '';
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage off */ }
    setLive('auth');
    showAuth(rejected ? 'The gateway rejected the saved token (HTTP 401: ' + message + '). Enter a valid read token.' : '');
  }

  function showAuth(error) {
    $('auth').hidden = false;
    showAuthError(error);
    $('signout').hidden = true;
    render();
    $('auth-token').focus();
  }

  function showAuthError(text) {
    const el = $('auth-error');
    el.textContent = text;
    el.hidden = !text;
  }

  async function submitToken(ev) {
    ev.preventDefault();
    const input = $('auth-token');
    const token = input.value.trim();
    if (!token) {
      showAuthError('Enter a token.');
      return;
    }
    if (!/^[\x20-\x7e]+$/.test(token)) {
      showAuthError('A token is printable ASCII text; this one has other characters.');
      return;
    }
    const button = $('auth-submit');
    button.disabled = true;
    showAuthError('');
    try {
      const res = await request(API.snapshot, {}, token);
      if (res.status === 401) {
        showAuthError('The gateway rejected this token (HTTP 401: ' + (await errorMessage(res)) + '). Check it and try again.');
        input.select();
        return;
      }
      if (!res.ok) {
        showAuthError('The gateway answered HTTP ' + res.status + ': ' + (await errorMessage(res)));
        return;
      }
      const first = await res.json();
      S.token = token;
      try { sessionStorage.setItem(TOKEN_KEY, token); } catch (e) { /* kept in memory only */ }
      input.value = '';
      $('auth').hidden = true;
      $('signout').hidden = false;
      onFrame(first);
      connect();
    } catch (e) {
      showAuthError('Could not reach the gateway: ' + e.message);
    } finally {
      button.disabled = false;
    }
  }

  function signOut() {
    stopConnection();
    S.token = '';
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage off */ }
    S.models = null;
    S.workers = [];
    S.frames = 0;
    S.signatures = {};
    setLive('auth');
    render();
    showAuth('');
  }

  // ---- Routing -----------------------------------------------------------

  function parseRoute() {
    const r = location.hash.replace(/^#\/?/, '');
    if (r.startsWith('models/') && r.length > 7) {
      try { return { view: 'model', id: decodeURIComponent(r.slice(7)) }; } catch (e) { return { view: 'models' }; }
    }
    if (r === 'workers') return { view: 'workers' };
    return { view: 'models' };
  }

  function onRoute() {
    S.route = parseRoute();
    clearInterval(S.modelTimer);
    S.modelView = null;
    if (S.route.view === 'model') {
      S.modelView = { id: S.route.id, data: null, yaml: null, yamlEpoch: null, missing: false, error: '', busy: false };
      S.signatures.model = null;
      S.modelTimer = setInterval(refreshModel, MODEL_POLL_MS);
      refreshModel();
    }
    render();
    window.scrollTo(0, 0);
  }

  const modelHash = (id) => '#/models/' + encodeURIComponent(id);

  // ---- Rendering ---------------------------------------------------------

  function render() {
    const v = S.route.view;
    $('view-models').hidden = v !== 'models';
    $('view-workers').hidden = v !== 'workers';
    $('view-model').hidden = v !== 'model';
    $('tab-models').classList.toggle('active', v !== 'workers');
    $('tab-workers').classList.toggle('active', v === 'workers');
    $('epoch').replaceChildren(...(S.epoch == null ? [] : ['config epoch ', h('b', {}, S.epoch)]));
    $('signout').hidden = !S.token || !$('auth').hidden;
    renderBanner();
    if (v === 'models') renderModels();
    else if (v === 'workers') renderWorkers();
    else renderModel();
  }

  function renderBanner() {
    const el = $('banner');
    const stale = S.lastFrameAt && Date.now() - S.lastFrameAt > STALE_MS && $('auth').hidden;
    let text = S.connProblem;
    if (!text && stale) text = 'No update from the gateway since ' + clock(S.lastFrameAt) + '; the figures below may be out of date.';
    let info = false;
    if (!text && S.frames && !S.ready) {
      text = 'This gateway is waiting for its first configuration bootstrap from sie-config.';
      info = true;
    }
    el.textContent = text;
    el.hidden = !text;
    el.classList.toggle('info', info);
    $('main').classList.toggle('stale', !!(stale || S.connProblem));
    $('updated').textContent = S.lastFrameAt ? 'Updated ' + clock(S.lastFrameAt) : '';
  }

  function card(n, label, cls, stateKey) {
    const selected = stateKey !== undefined && S.stateFilter === stateKey && stateKey !== '';
    const attrs = { class: 'card ' + cls + (selected ? ' selected' : '') + (stateKey === undefined ? ' plain' : '') };
    if (stateKey !== undefined) {
      attrs.type = 'button';
      attrs.title = stateKey ? 'Show only ' + stateKey : 'Show every model';
      attrs.onclick = () => {
        S.stateFilter = S.stateFilter === stateKey ? '' : stateKey;
        renderModels();
      };
    }
    return h(stateKey === undefined ? 'div' : 'button', attrs, h('div', { class: 'n' }, n), h('div', { class: 'l' }, label));
  }

  function renderModels() {
    const tbody = $('models-table').tBodies[0];
    const empty = $('models-empty');
    if (!S.models) {
      tbody.replaceChildren();
      S.signatures.models = null;
      replaceIfChanged('modelCards', $('model-cards'), '', () => []);
      empty.textContent = $('auth').hidden ? 'Loading…' : 'Sign in to see the models of this gateway.';
      empty.hidden = false;
      return;
    }
    const counts = {};
    for (const m of S.models) counts[m.state] = (counts[m.state] || 0) + 1;
    const order = ['ready', 'pending', 'acked_unservable', 'no_workers', 'unroutable'];
    replaceIfChanged('modelCards', $('model-cards'), JSON.stringify([counts, S.stateFilter, S.models.length]), () => [
      card(S.models.length, 'models', '', ''),
      order.map((s) => card(counts[s] || 0, s, 's-' + s + (counts[s] ? '' : ' s-zero'), s)),
    ]);
    const q = $('model-filter').value.trim().toLowerCase();
    const problemsOnly = $('problems-only').checked;
    const rows = S.models.filter((m) =>
      (!problemsOnly || m.state !== 'ready') &&
      (!S.stateFilter || m.state === S.stateFilter) &&
      (!q || m.model_id.toLowerCase().includes(q) || m.bundles.some((b) => b.bundle_id.toLowerCase().includes(q))));
    $('model-count').textContent = rows.length === S.models.length ? S.models.length + ' models' : rows.length + ' of ' + S.models.length + ' models';
    empty.hidden = rows.length > 0;
    empty.textContent = S.models.length ? 'No model matches the filter.' : 'This gateway holds no model yet.';
    replaceIfChanged('models', tbody, JSON.stringify(rows), () => rows.map(modelRow));
  }

  function modelRow(m) {
    const frac = m.eligible_workers ? m.acked_workers / m.eligible_workers : 0;
    return h('tr', { class: 'link', 'data-model-id': m.model_id, onclick: (ev) => { if (!ev.target.closest('a')) location.hash = modelHash(m.model_id); } },
      h('td', { class: 'id' }, h('a', { href: modelHash(m.model_id) }, m.model_id)),
      h('td', { class: 'state nowrap' }, stateBadge(m.state), m.reason ? h('div', { class: 'code' }, m.reason) : null),
      h('td', { class: 'num' }, m.acked_workers + ' / ' + m.eligible_workers,
        meter(frac)),
      h('td', {}, m.bundles.length ? m.bundles.map(bundleChip) : h('span', { class: 'muted' }, 'none')),
      h('td', { class: 'num' }, m.config_epoch),
      h('td', { class: 'msg' + (m.state === 'ready' ? ' quiet' : '') }, m.message));
  }

  // meter is a bar of frac (0..1); its width is set through the CSSOM, which
  // the page's content security policy allows (inline styles it does not).
  function meter(frac) {
    const bar = h('i');
    bar.style.width = Math.round(frac * 100) + '%';
    return h('span', { class: 'meter' + (frac < 1 ? ' partial' : ''), 'aria-hidden': 'true' }, bar);
  }

  function bundleChip(b) {
    const cls = b.eligible_workers === 0 ? ' none' : b.acked_workers < b.eligible_workers ? ' short' : '';
    return h('span', { class: 'chip' + cls, title: b.acked_workers + ' of ' + b.eligible_workers + ' eligible workers acked' },
      b.bundle_id, h('span', { class: 'frac' }, b.acked_workers + '/' + b.eligible_workers));
  }

  function renderWorkers() {
    const ws = S.workers;
    const count = (f) => ws.filter(f).length;
    replaceIfChanged('workerCards', $('worker-cards'), JSON.stringify(ws.map((w) => [w.health, w.acked])), () => [
      card(ws.length, 'workers', ''),
      card(count((w) => w.health === 'healthy'), 'healthy', 's-ready'),
      card(count((w) => w.health === 'unhealthy'), 'unhealthy', count((w) => w.health === 'unhealthy') ? 's-no_workers' : 's-zero'),
      card(count((w) => w.health === 'unknown'), 'unknown', 's-zero'),
      card(count((w) => w.acked), 'in sync', 's-ready'),
      card(count((w) => w.health === 'healthy' && !w.acked), 'healthy, not in sync', count((w) => w.health === 'healthy' && !w.acked) ? 's-pending' : 's-zero'),
    ]);
    replaceIfChanged('bundles', $('bundles-table').tBodies[0], JSON.stringify(S.bundles), () => S.bundles.map((b) =>
      h('tr', {},
        h('td', { class: 'id' }, b.bundle_id),
        h('td', {}, b.expected_bundle_config_hash ? h('span', { class: 'hash', title: b.expected_bundle_config_hash }, b.expected_bundle_config_hash) : h('span', { class: 'muted' }, 'none (no model maps to this bundle)')),
        h('td', { class: 'num' }, b.healthy_workers + ' / ' + b.workers))));
    $('workers-empty').hidden = ws.length > 0;
    const rows = ws.map((w) => Object.assign({}, w, {
      age: w.last_heartbeat ? ago(Math.max(0, S.generatedAt - Date.parse(w.last_heartbeat))) : '',
    }));
    replaceIfChanged('workers', $('workers-table').tBodies[0], JSON.stringify(rows.map((w) => [w.name, w.url, w.bundle, w.health, w.detail, w.acked, w.reported_hash, w.config_epoch, w.age])), () => rows.map((w) =>
      h('tr', { 'data-worker': w.name },
        h('td', { class: 'id' }, w.name),
        h('td', {}, w.bundle),
        h('td', { class: 'nowrap' }, healthBadge(w.health)),
        h('td', { class: 'nowrap detail' }, detailBadge(w.acked ? '' : w.detail)),
        h('td', {}, hashCell(w.reported_hash)),
        h('td', { class: 'num' }, epochText(w.config_epoch)),
        h('td', { class: 'nowrap', title: w.last_heartbeat || '' }, w.age || h('span', { class: 'muted' }, '—')),
        h('td', { class: 'msg mono' }, w.url))));
  }

  // ---- One model ---------------------------------------------------------

  function asRollout(st) {
    let acked = 0;
    let eligible = 0;
    for (const b of st.bundles) {
      acked += b.acked_workers.length;
      eligible += b.total_eligible_workers;
    }
    return {
      all_gateways_ready: st.state === 'ready', config_epoch: st.config_epoch,
      gateways: [Object.assign({ gateway_id: location.host }, st)],
      gateways_answered: 1, gateways_known: 1, message: st.message, missing_gateways: [],
      model_id: st.model_id, reason: st.reason, state: st.state,
      totals: { acked_workers: acked, eligible_workers: eligible },
    };
  }

  async function refreshModel() {
    const mv = S.modelView;
    if (!mv || mv.busy || !$('auth').hidden) return;
    mv.busy = true;
    try {
      const base = API.model(mv.id);
      let view = null;
      let fleet = false;
      let missing = false;
      if (!S.rolloutUnavailable) {
        const r = await get(base + '/rollout');
        if (r.ok) {
          view = await r.json();
          fleet = true;
        } else if (r.status !== 404) {
          throw new HttpError(r.status, await errorMessage(r));
        }
      }
      if (!view) {
        const r = await get(base + '/status');
        if (r.status === 404) {
          missing = true;
        } else if (!r.ok) {
          throw new HttpError(r.status, await errorMessage(r));
        } else {
          view = asRollout(await r.json());
          S.rolloutUnavailable = true; // this gateway answers /status but not /rollout
        }
      }
      if (view && view.config_epoch !== mv.yamlEpoch) {
        const r = await get(base);
        mv.yaml = r.ok ? await r.text() : null;
        mv.yamlEpoch = view.config_epoch;
      }
      Object.assign(mv, { data: view, fleet, missing, error: '' });
    } catch (e) {
      if (e instanceof AuthError) {
        mv.busy = false;
        needAuth(e.message);
        return;
      }
      mv.error = e.message;
    }
    mv.busy = false;
    if (S.modelView === mv && S.route.view === 'model') renderModel();
  }

  function renderModel() {
    const mv = S.modelView;
    const root = $('model-detail');
    if (!mv) return;
    const sig = JSON.stringify([mv.id, mv.data, mv.yaml, mv.missing, mv.error, mv.fleet]);
    replaceIfChanged('model', root, sig, () => {
      if (mv.error && !mv.data) return h('div', { class: 'head' }, h('h1', {}, mv.id), h('p', { class: 'message' }, 'Cannot read this model: ' + mv.error));
      if (mv.missing) return h('div', { class: 'head' }, h('h1', {}, mv.id), h('p', { class: 'message' }, 'This gateway holds no model with this id (deleted, or not synced yet).'));
      if (!mv.data) return h('div', { class: 'head' }, h('h1', {}, mv.id), h('p', { class: 'message muted' }, 'Loading…'));
      return modelBody(mv);
    });
  }

  function modelBody(mv) {
    const r = mv.data;
    const gws = r.gateways || [];
    const first = gws[0] || {};
    const view = first.worker_view || { form: '', reasons: [] };
    const bundles = (first.bundles || []).map((b) => b.bundle_id);
    const out = [];
    out.push(h('div', { class: 'head' },
      h('div', { class: 'title' }, h('h1', {}, r.model_id), stateBadge(r.state), r.reason ? h('span', { class: 'code' }, r.reason) : null),
      h('p', { class: 'message' }, r.message),
      h('ul', { class: 'facts' },
        h('li', {}, 'config epoch ', h('b', {}, r.config_epoch)),
        h('li', {}, 'workers acked ', h('b', {}, r.totals.acked_workers + ' / ' + r.totals.eligible_workers)),
        h('li', {}, 'bundles ', h('b', {}, bundles.length ? bundles.join(', ') : 'none')),
        h('li', {}, 'gateways answered ', h('b', {}, r.gateways_answered + ' / ' + r.gateways_known)),
        h('li', {}, 'worker view ', h('b', {}, view.form || '—')))));
    if (!mv.fleet) {
      out.push(h('p', { class: 'note' }, 'This gateway does not serve the fleet-wide rollout view, so this is its own view only. ' +
        'The page shows every gateway here as soon as the gateway serves it.'));
    } else if ((r.missing_gateways || []).length) {
      out.push(h('p', { class: 'note' }, 'No answer from ' + r.missing_gateways.join(', ') + ': their workers are not counted.'));
    }
    out.push(h('h2', {}, mv.fleet ? 'Rollout across gateways' : 'Rollout on this gateway'));
    gws.forEach((g, i) => out.push(gatewaySection(g, i, gws.length)));
    out.push(h('div', { class: 'two' },
      h('div', { class: 'panel' }, h('h2', {}, 'Worker view'),
        h('div', {}, formBadge(view.form), ' ', h('span', { class: 'muted' }, (FORM_LOOK[view.form] || [])[2] || '')),
        view.reasons && view.reasons.length ? h('ul', { class: 'reasons' }, view.reasons.map((x) => h('li', {}, x))) : null),
      h('div', { class: 'panel' }, h('h2', {}, 'YAML view'),
        mv.yaml == null ? h('p', { class: 'muted' }, 'Not available.') : h('pre', { class: 'yaml' }, mv.yaml))));
    return out;
  }

  function gatewaySection(g, i, n) {
    const id = g.gateway_id || location.host;
    const open = id in S.gwOpen ? S.gwOpen[id] : n === 1 || i === 0 || g.state !== 'ready';
    let acked = 0;
    let eligible = 0;
    for (const b of g.bundles || []) {
      acked += b.acked_workers.length;
      eligible += b.total_eligible_workers;
    }
    const d = h('details', { class: 'gw panel', open, 'data-gateway': id },
      h('summary', {}, h('span', { class: 'mono' }, id), stateBadge(g.state),
        h('span', { class: 'muted nowrap' }, acked + ' / ' + eligible + ' acked · epoch ' + g.config_epoch),
        g.state === 'ready' ? null : h('span', { class: 'muted gw-msg' }, g.message)),
      (g.bundles || []).length ? g.bundles.map(bundleSection) : h('p', { class: 'empty' }, 'No bundle can run this model.'));
    d.addEventListener('toggle', () => { S.gwOpen[id] = d.open; });
    return d;
  }

  function bundleSection(b) {
    return h('div', { class: 'bundle', 'data-bundle': b.bundle_id },
      h('div', { class: 'bh' },
        h('h3', {}, 'bundle ', h('span', { class: 'mono' }, b.bundle_id)),
        h('span', { class: 'muted' }, 'expected ', hashCell(b.expected_bundle_config_hash)),
        h('span', {}, h('b', {}, b.acked_workers.length + ' / ' + b.total_eligible_workers), ' eligible workers acked')),
      b.workers.length
        ? h('table', { class: 'grid' },
          h('thead', {}, h('tr', {}, ['Worker', 'Health', 'Config', 'Reported hash'].map((x) => h('th', {}, x)), h('th', { class: 'num' }, 'Config epoch'))),
          h('tbody', {}, b.workers.map((w) => h('tr', { 'data-worker': w.name },
            h('td', { class: 'id' }, w.name),
            h('td', { class: 'nowrap' }, healthBadge(w.health)),
            h('td', { class: 'nowrap detail' }, detailBadge(w.acked ? '' : w.detail)),
            h('td', {}, hashCell(w.reported_hash)),
            h('td', { class: 'num' }, epochText(w.config_epoch))))))
        : h('p', { class: 'empty' }, 'No worker of this bundle is connected to this gateway.'));
  }

  // ---- Start -------------------------------------------------------------

  function init() {
    $('host').textContent = location.host;
    $('auth-form').addEventListener('submit', submitToken);
    $('signout').addEventListener('click', signOut);
    $('model-filter').addEventListener('input', renderModels);
    $('problems-only').addEventListener('change', renderModels);
    window.addEventListener('hashchange', onRoute);
    setInterval(() => {
      renderBanner();
      if (S.route.view === 'workers') renderWorkers();
    }, 1000);
    onRoute();
    connect();
  }

  init();
})();
