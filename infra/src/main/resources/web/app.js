// Switchboard's chat page, the same on the local stack and on AWS. It speaks only the WebSocket protocol of
// docs/protocol.md; config.json beside it says where to connect and how to sign in: "dev" (the local stack's
// GET /dev/token, which does not exist on AWS) or "oidc" (authorization code with PKCE against the issuer it names).

const $ = (id) => document.getElementById(id);
const ui = {
  status: $('status'), signOut: $('sign-out'), login: $('login'), user: $('user'), loginError: $('login-error'),
  oidcLogin: $('oidc-login'), oidcSignIn: $('oidc-sign-in'), oidcError: $('oidc-error'),
  chat: $('chat'), newChat: $('new-chat'), sessions: $('sessions'), title: $('session-title'), earlier: $('earlier'),
  transcript: $('transcript'), composer: $('composer'), model: $('model'), message: $('message'), cancel: $('cancel'),
  search: $('search'), searchQuery: $('search-query'), searchResults: $('search-results'), searchMore: $('search-more'),
  exportMarkdown: $('export-markdown'), exportJson: $('export-json'), exportLink: $('export-link'),
  knowledgeToggle: $('knowledge-toggle'), knowledge: $('knowledge'), knowledgeRefresh: $('knowledge-refresh'), memories: $('memories'),
  documents: $('documents'), documentForm: $('document-form'), documentTitle: $('document-title'),
  documentFile: $('document-file'), documentText: $('document-text'), knowledgeError: $('knowledge-error'),
};

/** One sentence per ErrorCode of docs/protocol.md. */
const ERRORS = {
  BAD_JSON: 'The server could not read that request.',
  UNKNOWN_ACTION: 'The server does not know that request.',
  MISSING_FIELD: 'Something required was missing. Is the message empty?',
  INVALID_FIELD: 'Part of that request was not valid.',
  FIELD_TOO_LONG: 'That is too long: a message can have at most 16,000 characters.',
  MESSAGE_TOO_LARGE: 'That request is too large to send (at most 128 KB).',
  ID_REUSED: 'That message id was already used for a different message. Please send it again.',
  SESSION_NOT_FOUND: 'This conversation does not exist (any more).',
  MODEL_NOT_ALLOWED: 'That model is not available here.',
  SESSION_BUSY: 'This conversation is still answering. Wait for the answer, or cancel it.',
  NOTHING_TO_CANCEL: 'There is nothing to cancel.',
  TOOL_CALL_NOT_FOUND: 'That tool call does not exist (any more).',
  TOOL_ALREADY_DECIDED: 'That tool call was already decided the other way.',
  UNKNOWN_COMMAND: 'Unknown command. /help lists the commands; start with // to send a message that begins with /.',
  LIMIT_REACHED: 'You have reached the limit for this.',
  NOT_FOUND: 'That was not found.',
  TOKEN_EXPIRED: 'Your sign-in had expired; it is being renewed. Please try again in a moment.',
  TURN_FAILED: 'The assistant could not answer this message, even after retrying. Your message is kept.',
  INTERNAL: 'Something went wrong on the server. Please try again.',
};
const WHO = { user: 'You', assistant: 'Assistant', tool: 'Tool', note: 'Note', error: 'Problem', command: 'Command' };
const PING_MILLIS = 5 * 60 * 1000; // the gateway closes a connection after 10 idle minutes
// a sendMessage without a reply after REPLY_MILLIS, or answered with a retryable error, is sent again with the same
// clientMessageId (the server stores and answers it once) after each of these pauses, then given up with the error
const REPLY_MILLIS = 10 * 1000;
const RESEND_MILLIS = [1000, 2000, 4000, 8000];
const RETRYABLE = new Set(['INTERNAL']);

const state = {
  auth: null,            // the sign-in (startChat): its user, token(), expired(), signOut(); null: signed out
  socket: null,
  attempt: 0,            // reconnect attempts since the last open connection
  reconnectTimer: null,
  pingTimer: null,
  sessions: new Map(),   // sessionId → summary, from listSessions
  current: null,         // the open session; null: a new chat, created with the first message
  cursor: null,          // getHistory cursor of the page before the oldest one shown
  defaultModel: null,
  newChatModel: null,    // the model picked for the new chat, before it is created
  turns: new Map(),      // turnId → {sessionId, el, parts, count}: answers being streamed
  running: new Map(),    // turnId → sessionId, from accepted until done or TURN_FAILED
  outbox: new Map(),     // clientMessageId → sendMessage frame, until accepted (sent again after a reconnect)
  resends: new Map(),    // clientMessageId → { tries, timer }: the outbox's resend schedule
  pending: [],           // requests waiting for their reply
  loadingSessions: false,
  sessionsStale: false,
  search: null,          // {query, cursor} of the search whose results are listed
  readyDocuments: new Set(), // documentIds whose documentReady came before the list showed them
  exportUrl: null,       // the object URL of the last export's download link
};

// ---- Markdown: answers only, through markdown-it (no raw HTML) and then DOMPurify ----
//
// vendor/ holds the browser bundles of the markdown-it and DOMPurify WebJars, unpacked at build time (the root pom's
// page-vendor execution); index.html loads them as classic scripts before this module. A user message, a tool result,
// an error and every other text from a message or the server is set as textContent; only an assistant's answer is
// rendered, and only as markdown-it's output (html: false, so a <script> or <img onerror> in it is text) sanitised
// again by DOMPurify (no style attributes: the CSP allows none; links open a new tab with rel=noopener noreferrer).

// Without either bundle (vendor/ failed to load) answers are shown as plain text, as every other message.
const md = window.markdownit && window.DOMPurify ? window.markdownit({ html: false, linkify: true }) : null;
window.DOMPurify?.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/** The answer's Markdown as sanitised DOM nodes (a fragment, never an HTML string set on the page). */
function markdownFragment(text) {
  if (!md) return document.createTextNode(text ?? '');
  // trimmed: markdown-it ends each block with a newline, which would be a stray text node after the last one
  return DOMPurify.sanitize(md.render(text ?? '').trim(), { RETURN_DOM_FRAGMENT: true, FORBID_ATTR: ['style'] });
}

function showMarkdown(node, text) {
  const target = node.querySelector('.text');
  target.classList.toggle('markdown', md !== null);
  target.replaceChildren(markdownFragment(text));
}

// While an answer streams its deltas are buffered (t.parts) and the Markdown is parsed again only when a render is
// due, not on every delta: a render waits at least RENDER_MIN_MILLIS and at least RENDER_FACTOR times as long as the
// last parse of that answer took (a long answer, slower to parse, is re-rendered less often), then runs in the next
// animation frame. done (or a complete resumed) renders once more at once, so the final text is always shown whole.
const RENDER_MIN_MILLIS = 50;
const RENDER_FACTOR = 4;

function scheduleRender(t) {
  if (t.renderTimer || t.renderFrame) return; // one is due: it will show every delta buffered until then
  const wait = Math.max(RENDER_MIN_MILLIS, RENDER_FACTOR * (t.parseMillis ?? 0)) - (performance.now() - (t.renderedAt ?? 0));
  t.renderTimer = setTimeout(() => {
    t.renderTimer = null;
    t.renderFrame = requestAnimationFrame(() => {
      t.renderFrame = null;
      paint(t);
    });
  }, Math.max(0, wait));
}

/** Renders the turn's contiguous deltas now (and drops a render that was due). */
function paint(t) {
  clearTimeout(t.renderTimer);
  cancelAnimationFrame(t.renderFrame);
  t.renderTimer = null;
  t.renderFrame = null;
  const stick = ui.transcript.scrollHeight - ui.transcript.scrollTop - ui.transcript.clientHeight < 80;
  const started = performance.now();
  showMarkdown(t.el, t.parts.slice(0, contiguous(t)).join(''));
  t.renderedAt = performance.now();
  t.parseMillis = t.renderedAt - started;
  if (stick) ui.transcript.scrollTop = ui.transcript.scrollHeight;
}

// ---- small helpers ----

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

function newId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return prefix + '-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function setStatus(name, text) {
  ui.status.dataset.state = name;
  ui.status.textContent = text;
}

function describe(ev) {
  return ERRORS[ev.code] ?? 'Something went wrong.';
}

/** Appends to the transcript, staying at the bottom when the reader is there. */
function append(node) {
  const t = ui.transcript;
  const stick = t.scrollHeight - t.scrollTop - t.clientHeight < 80;
  t.append(node);
  if (stick) t.scrollTop = t.scrollHeight;
  return node;
}

function messageEl(role, text, props = {}) {
  const node = el('li', { className: `msg ${role}`, ...props },
    el('span', { className: 'who' }, WHO[role]),
    el('div', { className: 'text' }, role === 'assistant' ? '' : (text ?? '')),
    el('div', { className: 'meta' }));
  if (role === 'assistant') showMarkdown(node, text);
  return node;
}

function note(text) {
  append(messageEl('note', text));
}

function showError(ev) {
  const node = messageEl('error', describe(ev), { dataset: { code: ev.code ?? '' } });
  if (ev.message) node.querySelector('.meta').textContent = `${ev.code ?? ''} ${ev.message}`.trim();
  append(node);
}

// ---- sign-in: the local stack's development tokens, or OpenID Connect with PKCE ----

/** config.json beside the page (docs/design.md, "The chat page"): where to connect, and how to sign in. */
let config = null;

async function loadConfig() {
  const response = await fetch('config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}.`);
  const c = await response.json();
  if (!c.webSocketUrl) throw new Error('config.json names no webSocketUrl.');
  if (c.signIn === 'oidc') {
    for (const key of ['issuer', 'clientId', 'redirectUri']) {
      if (!c[key]) throw new Error(`config.json has signIn "oidc" but no ${key}.`);
    }
  } else if (c.signIn !== 'dev') {
    throw new Error('config.json: signIn must be "dev" or "oidc".');
  }
  return c;
}

/** Shows the sign-in of config.json's kind. */
function showSignIn() {
  ui.chat.hidden = true;
  ui.signOut.hidden = true;
  ui.knowledgeToggle.hidden = true;
  ui.login.hidden = config?.signIn !== 'dev';
  ui.oidcLogin.hidden = config?.signIn !== 'oidc';
  setStatus('signed-out', 'Not signed in');
  if (config?.signIn === 'dev') ui.user.focus();
  else if (config?.signIn === 'oidc') ui.oidcSignIn.focus();
}

/**
 * Signed in: the chat shows and a connection opens. auth is the sign-in's kind: its user's name, token() (a
 * token valid now, renewed first when due), expired() (the server said TOKEN_EXPIRED) and signOut().
 */
function startChat(auth) {
  state.auth = auth;
  ui.login.hidden = true;
  ui.oidcLogin.hidden = true;
  ui.chat.hidden = false;
  ui.signOut.hidden = false;
  ui.knowledgeToggle.hidden = false;
  newChat();
  connect();
}

async function fetchToken(user) {
  const response = await fetch('/dev/token?user=' + encodeURIComponent(user), { cache: 'no-store' });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `The token endpoint answered ${response.status}.`);
  return body;
}

/** The local stack's development sign-in: a token for any user name, fetched again for every connection. */
async function signInDev(user) {
  ui.loginError.textContent = '';
  try {
    await fetchToken(user);
  } catch (e) {
    ui.loginError.textContent = `Could not sign in: ${e.message}`;
    showSignIn();
    return;
  }
  sessionStorage.setItem('switchboard.user', user);
  startChat({
    user,
    token: async () => (await fetchToken(user)).token,
    expired: () => replaceConnection(),
    signOut: () => sessionStorage.removeItem('switchboard.user'),
  });
}

// The OIDC sign-in keeps its secrets in this tab only: memory and sessionStorage, never localStorage, a URL or a log.
const OIDC_PENDING = 'switchboard.oidc.pending'; // state, nonce and PKCE verifier of the sign-in under way
const OIDC_TOKENS = 'switchboard.oidc.tokens';   // the token, its expiry and the refresh token
const CALLBACK_PARAMS = ['code', 'state', 'error', 'error_description', 'error_uri', 'iss', 'session_state'];

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText(bytes = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The PKCE S256 challenge of a verifier: base64url(SHA-256(verifier)). */
async function s256(verifier) {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** A JWT's claims, unverified: the page got it from the token endpoint itself, and the server verifies it. */
function jwtClaims(jwt) {
  const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
}

let discovered = null;

/** The issuer's endpoints: config.json's, else its discovery document's (read once). */
function oidcEndpoints() {
  discovered ??= (async () => {
    let d = {};
    if (!config.authorizationEndpoint || !config.tokenEndpoint) {
      const response = await fetch(config.issuer.replace(/\/+$/, '') + '/.well-known/openid-configuration',
        { cache: 'no-store', credentials: 'omit' });
      if (!response.ok) throw new Error(`The issuer's discovery document answered ${response.status}.`);
      d = await response.json();
      if (d.issuer !== config.issuer) throw new Error('The discovery document names another issuer.');
    }
    return {
      authorization: config.authorizationEndpoint ?? d.authorization_endpoint,
      token: config.tokenEndpoint ?? d.token_endpoint,
      logout: config.logoutEndpoint ?? d.end_session_endpoint ?? null,
    };
  })();
  discovered.catch(() => { discovered = null; }); // tried again next time
  return discovered;
}

/** Sends the browser to the issuer (authorization code with PKCE); it comes back to redirectUri with a code. */
async function beginOidcSignIn() {
  ui.oidcError.textContent = '';
  try {
    const endpoints = await oidcEndpoints();
    const pending = { state: randomText(), nonce: randomText(), verifier: randomText(48) };
    const url = new URL(endpoints.authorization);
    const params = {
      response_type: 'code', client_id: config.clientId, redirect_uri: config.redirectUri,
      scope: config.scopes ?? 'openid', state: pending.state, nonce: pending.nonce,
      code_challenge: await s256(pending.verifier), code_challenge_method: 'S256',
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    sessionStorage.setItem(OIDC_PENDING, JSON.stringify(pending));
    location.assign(url.href);
  } catch (e) {
    ui.oidcError.textContent = `Could not sign in: ${e.message}`;
    showSignIn();
  }
  await new Promise(() => {}); // the page is leaving
}

/** POSTs a grant to the token endpoint (a public client: no secret) and answers its JSON. */
async function tokenGrant(params) {
  const endpoints = await oidcEndpoints();
  const response = await fetch(endpoints.token, {
    method: 'POST', cache: 'no-store', credentials: 'omit',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.clientId, ...params }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw Object.assign(new Error(`The token endpoint refused (${body.error ?? response.status}).`),
      { grantError: body.error });
  }
  return body;
}

/**
 * Checks a token answer (its ID token is the issuer's, for this client, and after a sign-in carries its nonce) and
 * keeps the token config.json's tokenType names, its expiry and the refresh token in this tab's sessionStorage.
 */
function keepTokens(body, nonce, refreshToken) {
  if (!body.id_token) throw new Error('The token endpoint sent no ID token.');
  const id = jwtClaims(body.id_token);
  if (id.iss !== config.issuer || ![].concat(id.aud).includes(config.clientId)) {
    throw new Error('The ID token is not from the configured issuer for this client.');
  }
  if (nonce !== undefined && id.nonce !== nonce) throw new Error('The ID token does not carry this sign-in\'s nonce.');
  const token = config.tokenType === 'access_token' ? body.access_token : body.id_token;
  if (!token) throw new Error(`The token endpoint sent no ${config.tokenType}.`);
  const now = Date.now();
  const exp = jwtClaims(token).exp;
  const expiresAt = Math.min(exp ? exp * 1000 : Infinity, body.expires_in ? now + body.expires_in * 1000 : Infinity);
  if (!Number.isFinite(expiresAt)) throw new Error('The token does not say when it expires.');
  const tokens = {
    token, expiresAt, obtainedAt: now, refreshToken: body.refresh_token ?? refreshToken ?? null,
    user: id.email ?? id.preferred_username ?? id['cognito:username'] ?? id.sub,
  };
  sessionStorage.setItem(OIDC_TOKENS, JSON.stringify(tokens));
  return tokens;
}

/**
 * When the issuer sent the browser back here: takes code and state off the address bar first, then checks the state
 * and exchanges the code with the PKCE verifier. Null when this page load is no such return.
 */
async function completeOidcSignIn() {
  const url = new URL(location.href);
  if (!url.searchParams.has('code') && !url.searchParams.has('error')) return null;
  const code = url.searchParams.get('code');
  const returned = url.searchParams.get('state');
  const error = url.searchParams.get('error');
  for (const name of CALLBACK_PARAMS) url.searchParams.delete(name);
  history.replaceState(null, '', url.pathname + url.search + url.hash);
  const pending = JSON.parse(sessionStorage.getItem(OIDC_PENDING) ?? 'null');
  sessionStorage.removeItem(OIDC_PENDING);
  if (error) throw new Error(`The issuer did not sign you in (${error}).`);
  if (!pending || !returned || returned !== pending.state) {
    throw new Error('That answer belongs to no sign-in this tab started (its state differs).');
  }
  const body = await tokenGrant({
    grant_type: 'authorization_code', code, redirect_uri: config.redirectUri, code_verifier: pending.verifier,
  });
  return keepTokens(body, pending.nonce);
}

/**
 * An OIDC sign-in's tokens: renewed a fifth of their lifetime (at most a minute) before they expire, with the refresh
 * token when the issuer gave one, else by signing in again; a renewal opens a new connection with the new token.
 */
function oidcAuth(tokens) {
  let current = tokens;
  let renewing = null;
  let timer = null;
  const renewAt = (t) => t.expiresAt - Math.min(60000, (t.expiresAt - t.obtainedAt) / 5);
  const schedule = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(() => renew().catch(() => {}), delay);
  };
  const auth = {
    user: current.user,
    async token() {
      if (Date.now() >= renewAt(current)) await renew();
      return current.token;
    },
    expired() {
      renew().catch(() => {});
    },
    async signOut() {
      clearTimeout(timer);
      sessionStorage.removeItem(OIDC_TOKENS);
      const endpoints = await oidcEndpoints().catch(() => ({}));
      if (!endpoints.logout) return;
      const url = new URL(endpoints.logout);
      // Cognito's /logout reads client_id and logout_uri; OIDC RP-initiated logout post_logout_redirect_uri
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('logout_uri', config.redirectUri);
      url.searchParams.set('post_logout_redirect_uri', config.redirectUri);
      location.assign(url.href);
    },
  };
  function renew() {
    renewing ??= (async () => {
      try {
        if (!current.refreshToken) await beginOidcSignIn();
        try {
          current = keepTokens(await tokenGrant({ grant_type: 'refresh_token', refresh_token: current.refreshToken }),
            undefined, current.refreshToken);
        } catch (e) {
          if (e.grantError === 'invalid_grant') await beginOidcSignIn(); // the refresh token expired or was revoked
          schedule(10000);
          throw e;
        }
        auth.user = current.user;
        schedule(Math.max(0, renewAt(current) - Date.now()));
        if (state.auth === auth) replaceConnection(); // the open connection keeps the token it opened with
      } finally {
        renewing = null;
      }
    })();
    return renewing;
  }
  schedule(Math.max(0, renewAt(current) - Date.now()));
  return auth;
}

function signOut() {
  const auth = state.auth;
  state.auth = null;
  clearTimeout(state.reconnectTimer);
  const socket = state.socket;
  if (socket) detach();
  socket?.close(1000, 'signed out');
  state.sessions.clear();
  state.outbox.clear();
  for (const r of state.resends.values()) clearTimeout(r.timer);
  state.resends.clear();
  state.running.clear();
  state.turns.clear();
  ui.sessions.replaceChildren();
  ui.searchResults.replaceChildren();
  ui.memories.replaceChildren();
  ui.documents.replaceChildren();
  showSignIn();
  auth?.signOut();
}

// ---- the connection ----

/** Opens the WebSocket; the token goes in the subprotocol list, next to switchboard.v1 (never in the URL). */
function open(token) {
  setStatus('connecting', 'Connecting…');
  const socket = new WebSocket(config.webSocketUrl, ['switchboard.v1', token]);
  state.socket = socket;
  socket.onopen = () => {
    const reconnected = state.attempt > 0;
    state.attempt = 0;
    setStatus('open', `Connected as ${state.auth.user}`);
    state.pingTimer = setInterval(() => send({ action: 'ping' }), PING_MILLIS);
    for (const frame of state.outbox.values()) sendTracked(frame); // accepted never came: same clientMessageId again
    loadModels();
    loadSessions();
    if (reconnected && state.current) {
      // what streamed while we were away went to the old connection: the open session's history is read again,
      // and its running answers resume where they stopped (the server replays what was missed, then streams on)
      const current = state.current;
      for (const [turnId, sessionId] of [...state.running]) if (sessionId !== current) state.running.delete(turnId);
      for (const [turnId, t] of [...state.turns]) {
        if (t.sessionId !== current || !state.running.has(turnId)) state.turns.delete(turnId);
      }
      openSession(current).then(() => { for (const turnId of state.running.keys()) resume(current, turnId); });
    }
  };
  socket.onmessage = (e) => {
    let ev;
    try {
      ev = JSON.parse(e.data);
    } catch {
      return;
    }
    onEvent(ev);
  };
  socket.onclose = (e) => {
    if (socket !== state.socket) return; // an old socket, replaced or signed out
    detach();
    if (e.code === 1009) showError({ code: 'MESSAGE_TOO_LARGE' });
    scheduleReconnect();
  };
}

/** The connection is gone: nothing waits for a reply on it any more. */
function detach() {
  clearInterval(state.pingTimer);
  state.socket = null;
  for (const p of state.pending.splice(0)) p.reject({ code: 'INTERNAL', message: 'The connection closed.' });
  updateCancel();
}

/** Connects again at once with a fresh token, in place of the open connection (which keeps its old token). */
function replaceConnection() {
  const socket = state.socket;
  if (!socket) return; // not connected: the next attempt takes a fresh token anyway
  detach();
  socket.close(1000, 'new token');
  state.attempt = Math.max(state.attempt, 1); // as after a drop: the open session is read again, its answers resume
  connect();
}

/** Waits 1, 2, 4 … 30 s (plus up to 1 s of jitter), then connects again with a fresh token. */
function scheduleReconnect() {
  if (!state.auth) return;
  const delay = Math.min(30000, 1000 * 2 ** state.attempt) + Math.random() * 1000;
  state.attempt++;
  setStatus('reconnecting', `Connection lost. Reconnecting in ${Math.round(delay / 1000)} s…`);
  clearTimeout(state.reconnectTimer);
  state.reconnectTimer = setTimeout(connect, delay);
}

async function connect() {
  const auth = state.auth;
  if (!auth || state.socket) return;
  clearTimeout(state.reconnectTimer);
  try {
    const token = await auth.token();
    if (state.auth === auth && !state.socket) open(token);
  } catch {
    if (state.auth === auth) scheduleReconnect();
  }
}

function send(frame) {
  if (state.socket?.readyState !== WebSocket.OPEN) return false;
  state.socket.send(JSON.stringify(frame));
  return true;
}

/** Sends an action and resolves with its reply event (rejects with the error event). */
function request(frame, type, match = () => true) {
  return new Promise((resolve, reject) => {
    if (!send(frame)) {
      reject({ code: 'INTERNAL', message: 'Not connected.' });
      return;
    }
    state.pending.push({ action: frame.action, type, match, resolve, reject });
  });
}

// ---- events from the server ----

function onEvent(ev) {
  if (ev.type === 'error') {
    onError(ev);
    return;
  }
  const i = state.pending.findIndex((p) => p.type === ev.type && p.match(ev));
  if (i >= 0) {
    state.pending.splice(i, 1)[0].resolve(ev);
    return;
  }
  switch (ev.type) {
    case 'accepted': return onAccepted(ev);
    case 'delta': return onDelta(ev);
    case 'done': return onDone(ev);
    case 'toolCall': return onTool(ev, `Calling ${ev.name}`, 'running');
    case 'approvalRequired': return onTool(ev, `${ev.name} needs your approval`, 'pending');
    case 'toolResult': return onTool(ev, `${ev.name}`, ev.status, ev.result);
    case 'commandResult': return onCommandResult(ev);
    case 'restart': return onRestart(ev);
    case 'resumed': return onResumed(ev);
    case 'documentReady': return onDocumentReady(ev);
    default: return undefined; // pong, …: nothing to show
  }
}

function onError(ev) {
  if (ev.code === 'TOKEN_EXPIRED') {
    // the connection outlived its token: renew it and connect again; a message the server refused for this stays in
    // the outbox and is sent again on the new connection
    if (ev.action !== 'sendMessage') {
      const i = state.pending.findIndex((p) => p.action === ev.action);
      if (i >= 0) state.pending.splice(i, 1)[0].reject(ev);
    }
    state.auth?.expired();
    return;
  }
  if (ev.code === 'TURN_FAILED') {
    state.running.delete(ev.turnId);
    const t = state.turns.get(ev.turnId);
    if (t) t.el.dataset.state = 'failed';
    if (ev.sessionId === state.current) showError(ev);
    updateCancel();
    return;
  }
  if (ev.action === 'sendMessage') {
    if (RETRYABLE.has(ev.code) && resendLater(ev.clientMessageId)) return;
    settleOutbox(ev.clientMessageId);
    showError(ev);
    return;
  }
  const i = state.pending.findIndex((p) => p.action === ev.action);
  if (i >= 0) state.pending.splice(i, 1)[0].reject(ev);
  else showError(ev);
}

/** Sends a sendMessage frame of the outbox and sends it again (same clientMessageId) if no reply comes. */
function sendTracked(frame) {
  const id = frame.clientMessageId;
  const entry = state.resends.get(id) || { tries: 0, timer: null };
  state.resends.set(id, entry);
  clearTimeout(entry.timer);
  entry.timer = setTimeout(() => {
    if (state.outbox.has(id) && !resendLater(id)) {
      settleOutbox(id);
      showError({ code: 'INTERNAL', message: 'No reply from the server; your message may not have been sent.' });
    }
  }, REPLY_MILLIS);
  send(frame);
}

/** Schedules the next resend of an outbox frame; false when it was tried often enough. */
function resendLater(id) {
  const entry = state.resends.get(id);
  const frame = state.outbox.get(id);
  if (!entry || !frame || entry.tries >= RESEND_MILLIS.length) return false;
  clearTimeout(entry.timer);
  entry.timer = setTimeout(() => { if (state.outbox.has(id)) sendTracked(frame); }, RESEND_MILLIS[entry.tries++]);
  return true;
}

function settleOutbox(id) {
  state.outbox.delete(id);
  clearTimeout(state.resends.get(id)?.timer);
  state.resends.delete(id);
}

function onAccepted(ev) {
  const sent = ev.clientMessageId
    && ui.transcript.querySelector(`li.user[data-client-message-id="${CSS.escape(ev.clientMessageId)}"]`);
  if (sent && !sent.dataset.turnId) {
    sent.dataset.turnId = ev.turnId;
    sent.dataset.sessionId = ev.sessionId;
    userControls(sent);
  }
  settleOutbox(ev.clientMessageId);
  state.running.set(ev.turnId, ev.sessionId);
  if (!state.sessions.has(ev.sessionId)) loadSessions();
  updateCancel();
}

/** The answer element of a turn of the open session, created by whichever comes first: a delta, a tool event or done. */
function turnOf(ev) {
  let t = state.turns.get(ev.turnId);
  if (!t) {
    const node = messageEl('assistant', '', { dataset: { turnId: ev.turnId, state: 'streaming', deltas: '0' } });
    t = { sessionId: ev.sessionId, el: node, parts: [], count: 0 };
    state.turns.set(ev.turnId, t);
    append(node);
  }
  return t;
}

function onDelta(ev) {
  if (ev.sessionId !== state.current) return;
  const t = turnOf(ev);
  if (t.parts[ev.seq] !== undefined) return; // seen already
  t.parts[ev.seq] = ev.text;
  if (ev.attempt) t.attempt = ev.attempt;
  render(t);
}

/** How many deltas of the turn are held without a gap (the next seq expected). */
function contiguous(t) {
  let n = 0;
  while (n < t.parts.length && t.parts[n] !== undefined) n++;
  return n;
}

/** Takes the turn's deltas in: counted now, shown in seq order up to the first gap by the next render (scheduleRender). */
function render(t) {
  t.count = t.parts.filter((p) => p !== undefined).length;
  t.el.dataset.deltas = String(t.count);
  scheduleRender(t);
}

/** Asks for what was missed of a running answer after a reconnect. */
function resume(sessionId, turnId) {
  const t = state.turns.get(turnId);
  const frame = { action: 'resume', sessionId, turnId, lastSeq: t ? contiguous(t) - 1 : -1 };
  if (t?.attempt) frame.attempt = t.attempt;
  send(frame);
}

/** A new run answers the turn again (the one before stopped): drop its deltas from fromSeq on. */
function onRestart(ev) {
  if (ev.sessionId !== state.current) return;
  const t = turnOf(ev);
  t.parts.length = Math.min(t.parts.length, ev.fromSeq);
  t.attempt = ev.attempt;
  render(t);
}

/** What was missed of an answer (the reply to resume, or pushed by the worker): replaces the deltas from fromSeq on. */
function onResumed(ev) {
  const complete = ev.status === 'answered' || ev.status === 'cancelled';
  if (complete && !ev.more) {
    state.running.delete(ev.turnId);
    updateCancel();
  }
  if (ev.status === 'stopped') state.running.delete(ev.turnId);
  if (ev.text == null || ev.sessionId !== state.current) return; // an acknowledgement: the worker sends the rest
  if (complete && !state.turns.has(ev.turnId)) return; // stored meanwhile: the history shows it
  const t = turnOf(ev);
  t.parts.length = Math.min(t.parts.length, ev.fromSeq);
  for (let seq = ev.fromSeq; seq < ev.nextSeq; seq++) t.parts[seq] = seq === ev.fromSeq ? ev.text : '';
  if (ev.attempt) t.attempt = ev.attempt;
  render(t);
  if (ev.more) resume(ev.sessionId, ev.turnId);
  else if (complete) {
    paint(t);
    t.el.dataset.state = ev.status === 'cancelled' ? 'cancelled' : 'done';
    answerControls(t.el);
    markLatest();
  }
}

function onDone(ev) {
  state.running.delete(ev.turnId);
  updateCancel();
  loadSessions(); // updatedAt changed
  if (ev.sessionId !== state.current) return;
  const t = turnOf(ev);
  paint(t); // the final render: every delta, whatever was due
  t.el.dataset.state = ev.finishReason === 'CANCELLED' ? 'cancelled' : 'done';
  t.el.dataset.expectedDeltas = String(ev.deltas);
  const meta = [ev.model + (ev.offline ? ' (offline stand-in: it echoes, it is not a language model)' : '')];
  if (ev.finishReason === 'CANCELLED') meta.push('cancelled');
  else if (ev.finishReason === 'LENGTH') meta.push('cut off at the length limit');
  if (ev.memories) meta.push(`${ev.memories} ${ev.memories === 1 ? 'memory' : 'memories'} used`);
  t.el.querySelector('.meta').textContent = meta.join(' · ');
  if (ev.sources?.length) {
    t.el.append(el('div', { className: 'sources' }, 'Sources:',
      el('ul', {}, ...ev.sources.map((s) => el('li', {}, `${s.title} (excerpt ${s.chunk + 1}, similarity ${s.score})`)))));
  }
  answerControls(t.el);
  markLatest();
}

/** toolCall, approvalRequired and toolResult of the open session, one element per tool call. */
function onTool(ev, heading, status, result) {
  if (ev.sessionId !== state.current) return;
  let node = ui.transcript.querySelector(`li[data-tool-call-id="${CSS.escape(ev.toolCallId)}"]`);
  if (!node) {
    node = append(toolEl(ev.sessionId, ev.turnId, ev.toolCallId, ev.name, ev.arguments));
  }
  node.querySelector('.heading').textContent = heading;
  if (result !== undefined) node.querySelector('.text').textContent = result;
  setToolStatus(node, status);
  if (status === 'pending') addApproval(node);
}

function toolEl(sessionId, turnId, toolCallId, name, args) {
  return el('li', { className: 'msg tool', dataset: { toolCallId, turnId, sessionId } },
    el('span', { className: 'who' }, WHO.tool),
    el('div', { className: 'heading' }, name),
    el('code', { className: 'arguments' }, args ?? ''),
    el('div', { className: 'text' }),
    el('div', { className: 'meta' }));
}

const TOOL_STATUS = {
  pending: 'waiting for your approval', approved: 'approved', running: 'running', done: 'done',
  failed: 'failed', denied: 'denied',
};

function setToolStatus(node, status) {
  node.dataset.status = status;
  node.querySelector('.meta').textContent = TOOL_STATUS[status] ?? status;
  if (status !== 'pending') node.querySelector('.approval')?.remove();
}

function addApproval(node) {
  if (node.querySelector('.approval')) return;
  const decide = (action) => async () => {
    const { sessionId, turnId, toolCallId } = node.dataset;
    node.querySelectorAll('.approval button').forEach((b) => { b.disabled = true; });
    try {
      const reply = await request({ action, sessionId, turnId, toolCallId }, 'toolDecision',
        (ev) => ev.toolCallId === toolCallId);
      setToolStatus(node, reply.status);
    } catch (e) {
      showError(e);
      node.querySelectorAll('.approval button').forEach((b) => { b.disabled = false; });
    }
  };
  node.append(el('div', { className: 'approval' },
    el('button', { type: 'button', onclick: decide('approveTool') }, 'Approve'),
    el('button', { type: 'button', onclick: decide('denyTool') }, 'Deny')));
}

function onCommandResult(ev) {
  append(messageEl('command', ev.text, { dataset: { command: ev.command } }));
  if (ev.sessionId && ev.sessionId === state.current && (ev.command === 'reset' || ev.command === 'model')) {
    loadSessions();
    if (ev.command === 'reset') openSession(ev.sessionId);
  }
}

// ---- models, sessions, history ----

async function loadModels() {
  let reply;
  try {
    reply = await request({ action: 'listModels' }, 'models');
  } catch (e) {
    showError(e);
    return;
  }
  state.defaultModel = reply.defaultModel;
  ui.model.replaceChildren(...reply.models.map((m) => el('option', { value: m.id },
    `${m.name} (${m.provider})${m.id === reply.defaultModel ? ' · default' : ''}`)));
  showModel();
}

function showModel() {
  const chosen = state.current ? state.sessions.get(state.current)?.model : state.newChatModel;
  ui.model.value = chosen || state.defaultModel || '';
}

/** Every page of listSessions; a call while one runs makes it read again once it is done. */
async function loadSessions() {
  if (state.loadingSessions) {
    state.sessionsStale = true;
    return;
  }
  state.loadingSessions = true;
  try {
    do {
      state.sessionsStale = false;
      const all = [];
      let cursor;
      for (let page = 0; page < 20; page++) {
        const reply = await request({ action: 'listSessions', limit: 100, ...(cursor ? { cursor } : {}) }, 'sessions');
        all.push(...reply.sessions);
        cursor = reply.nextCursor;
        if (!cursor) break;
      }
      state.sessions = new Map(all.map((s) => [s.sessionId, s]));
      renderSessions();
    } while (state.sessionsStale);
  } catch (e) {
    if (state.socket) showError(e);
  } finally {
    state.loadingSessions = false;
  }
}

function renderSessions() {
  const sorted = [...state.sessions.values()].sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''));
  ui.sessions.replaceChildren(...sorted.map((s) => el('li', {},
    el('button', {
      type: 'button', className: 'session', dataset: { sessionId: s.sessionId },
      onclick: () => openSession(s.sessionId),
    }, el('span', { className: 'title' }, s.title), el('time', { dateTime: s.updatedAt }, when(s.updatedAt))))));
  markCurrent();
}

function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

function markCurrent() {
  for (const b of ui.sessions.querySelectorAll('button.session')) {
    if (b.dataset.sessionId === state.current) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  ui.title.textContent = state.current ? (state.sessions.get(state.current)?.title ?? 'Conversation') : 'New chat';
  ui.exportMarkdown.disabled = !state.current;
  ui.exportJson.disabled = !state.current;
  if (ui.exportLink.dataset.sessionId !== state.current) ui.exportLink.hidden = true;
  showModel();
  updateCancel();
}

function newChat() {
  state.current = null;
  state.newChatModel = null;
  state.cursor = null;
  ui.earlier.hidden = true;
  ui.transcript.replaceChildren();
  markCurrent();
  ui.message.focus();
}

async function openSession(sessionId) {
  state.current = sessionId;
  state.cursor = null;
  ui.earlier.hidden = true;
  ui.transcript.replaceChildren();
  markCurrent();
  let page;
  try {
    page = await request({ action: 'getHistory', sessionId }, 'history', (ev) => ev.sessionId === sessionId);
  } catch (e) {
    if (state.current === sessionId) showError(e);
    return;
  }
  if (state.current !== sessionId) return; // another session was opened meanwhile
  const stored = new Set(page.messages.filter((m) => m.role === 'assistant').map((m) => m.turnId));
  const live = [...state.turns.entries()]
    .filter(([turnId, t]) => t.sessionId === sessionId && !stored.has(turnId)).map(([, t]) => t.el);
  for (const [turnId, t] of state.turns) if (t.sessionId !== sessionId || stored.has(turnId)) state.turns.delete(turnId);
  ui.transcript.replaceChildren(...grouped(page.messages.map(storedEl)), ...live);
  markLatest();
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
  state.cursor = page.nextCursor ?? null;
  ui.earlier.hidden = !state.cursor;
}

async function loadEarlier() {
  const sessionId = state.current;
  if (!sessionId || !state.cursor) return;
  let page;
  try {
    page = await request({ action: 'getHistory', sessionId, cursor: state.cursor }, 'history',
      (ev) => ev.sessionId === sessionId);
  } catch (e) {
    showError(e);
    return;
  }
  if (state.current !== sessionId) return;
  ui.transcript.prepend(...grouped(page.messages.map(storedEl)));
  markLatest();
  state.cursor = page.nextCursor ?? null;
  ui.earlier.hidden = !state.cursor;
}

/** One stored message of getHistory. */
function storedEl(m) {
  if (m.role === 'tool') {
    const node = toolEl(state.current, m.turnId, m.toolCallId, m.toolName, m.toolArguments);
    node.querySelector('.text').textContent = m.text ?? '';
    setToolStatus(node, m.status);
    if (m.status === 'pending') addApproval(node);
    if (m.superseded) node.dataset.superseded = 'true';
    return node;
  }
  const node = messageEl(m.role === 'assistant' ? 'assistant' : 'user', m.text,
    { dataset: { turnId: m.turnId, sessionId: state.current } });
  if (m.superseded) node.dataset.superseded = 'true';
  if (m.role === 'assistant') {
    node.dataset.state = m.status === 'cancelled' ? 'cancelled' : 'done';
    if (m.answerOf) node.dataset.answerOf = m.answerOf;
    if (m.rating) node.dataset.rating = m.rating;
    const meta = [m.model];
    if (m.answerOf) meta.push('a regenerated answer');
    if (m.status === 'cancelled') meta.push('cancelled');
    if (m.truncated) meta.push('shortened to fit');
    node.querySelector('.meta').textContent = meta.filter(Boolean).join(' · ');
    answerControls(node);
  } else {
    if (m.truncated) node.querySelector('.meta').textContent = 'shortened to fit';
    userControls(node);
  }
  return node;
}

// ---- answers and questions: rate, regenerate, edit; superseded branches ----

/** Thumbs up / down on a finished answer (rateMessage): pressing the pressed one clears the rating. */
function answerControls(node) {
  if (node.dataset.superseded || node.querySelector('.controls')) return;
  const rate = (rating) => async () => {
    const { sessionId, turnId } = node.dataset;
    const next = node.dataset.rating === rating ? null : rating;
    const buttons = node.querySelectorAll('.controls button');
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const reply = await request({ action: 'rateMessage', sessionId: sessionId ?? state.current, turnId, rating: next },
        'rated', (ev) => ev.turnId === turnId);
      showRating(node, reply.rating ?? null);
    } catch (e) {
      showError(e);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  };
  node.append(el('div', { className: 'controls' },
    el('button', { type: 'button', className: 'rate-up', title: 'Rate this answer good', onclick: rate('up') }, 'Good'),
    el('button', { type: 'button', className: 'rate-down', title: 'Rate this answer bad', onclick: rate('down') }, 'Bad')));
  showRating(node, node.dataset.rating || null);
}

function showRating(node, rating) {
  if (rating) node.dataset.rating = rating;
  else delete node.dataset.rating;
  node.querySelector('.rate-up')?.setAttribute('aria-pressed', String(rating === 'up'));
  node.querySelector('.rate-down')?.setAttribute('aria-pressed', String(rating === 'down'));
}

/** Regenerate goes on the open session's latest current answer only (the server answers the latest question). */
function markLatest() {
  ui.transcript.querySelectorAll('button.regenerate').forEach((b) => b.remove());
  const answers = [...ui.transcript.querySelectorAll(':scope > li.msg.assistant:not([data-superseded])')];
  const latest = answers.at(-1);
  if (!latest || !['done', 'cancelled'].includes(latest.dataset.state)) return;
  latest.querySelector('.controls')?.append(el('button', {
    type: 'button', className: 'regenerate', onclick: () => regenerate(latest),
  }, 'Regenerate'));
}

async function regenerate(answer) {
  const sessionId = state.current;
  const { turnId } = answer.dataset;
  collapse([answer], 'Replaced answer');
  markLatest();
  try {
    const reply = await request({ action: 'regenerate', sessionId, turnId }, 'accepted',
      (ev) => ev.regenerates === turnId);
    onAccepted(reply);
  } catch (e) {
    showError(e);
    if (state.current === sessionId) openSession(sessionId); // shows what is stored again
  }
}

/** Edit on a current user message of a stored turn: the text becomes a box; Save sends editMessage. */
function userControls(node) {
  if (node.dataset.superseded || !node.dataset.turnId || node.querySelector('.controls')) return;
  node.append(el('div', { className: 'controls' },
    el('button', { type: 'button', className: 'edit', onclick: () => beginEdit(node) }, 'Edit')));
}

function beginEdit(node) {
  if (node.querySelector('.editor')) return;
  const text = node.querySelector('.text');
  const box = el('textarea', { className: 'edit-text', rows: 3, maxLength: 16000, value: text.textContent });
  const editor = el('form', { className: 'editor', onsubmit: (e) => { e.preventDefault(); saveEdit(node, box.value); } },
    box,
    el('div', { className: 'row' },
      el('button', { type: 'submit', className: 'save-edit' }, 'Save and send'),
      el('button', { type: 'button', className: 'cancel-edit', onclick: () => endEdit(node) }, 'Cancel')));
  text.hidden = true;
  node.querySelector('.controls').hidden = true;
  node.append(editor);
  box.focus();
}

function endEdit(node) {
  node.querySelector('.editor')?.remove();
  node.querySelector('.text').hidden = false;
  const controls = node.querySelector('.controls');
  if (controls) controls.hidden = false;
}

/**
 * Sends the edited message: the message and everything after it are collapsed as the replaced branch (the server
 * keeps them, superseded) and the new text is appended as the newest message, answered as a new turn.
 */
async function saveEdit(node, text) {
  if (!text.trim()) return;
  const sessionId = state.current;
  const { turnId } = node.dataset;
  endEdit(node);
  const branch = [];
  for (let n = node; n; n = n.nextElementSibling) if (n.matches('li.msg, li.alternatives')) branch.push(n);
  collapse(branch, 'Replaced by an edit');
  const frame = { action: 'editMessage', sessionId, turnId, clientMessageId: newId('m'), text };
  append(messageEl('user', text, { dataset: { clientMessageId: frame.clientMessageId } }));
  markLatest();
  try {
    const reply = await request(frame, 'accepted', (ev) => ev.clientMessageId === frame.clientMessageId);
    onAccepted(reply);
  } catch (e) {
    showError(e);
    if (state.current === sessionId) openSession(sessionId);
  }
}

/**
 * Marks messages superseded and folds them into one collapsed group at the place of the first; a group among them
 * (replaced before) is merged in.
 */
function collapse(branch, label) {
  if (!branch.length) return;
  const list = el('ol', { className: 'alternatives-list' });
  const summary = el('summary');
  branch[0].before(el('li', { className: 'alternatives' }, el('details', {}, summary, list)));
  const nodes = branch.flatMap((n) => {
    if (!n.matches('li.alternatives')) return [n];
    const inner = [...n.querySelectorAll('.alternatives-list > li')];
    n.remove();
    return inner;
  });
  summary.textContent = `${label} (${nodes.length} ${nodes.length === 1 ? 'message' : 'messages'})`;
  for (const n of nodes) {
    n.dataset.superseded = 'true';
    n.querySelectorAll('.controls').forEach((c) => c.remove());
    list.append(n);
  }
}

/** The history's superseded messages, each run of them folded into one group. */
function grouped(nodes) {
  const out = [];
  let run = null;
  for (const n of nodes) {
    if (n.dataset.superseded) {
      if (!run) {
        run = el('ol', { className: 'alternatives-list' });
        out.push(el('li', { className: 'alternatives' }, el('details', {}, el('summary'), run)));
      }
      run.append(n);
      run.previousElementSibling.textContent =
        `Replaced (${run.children.length} ${run.children.length === 1 ? 'message' : 'messages'})`;
    } else {
      run = null;
      out.push(n);
    }
  }
  return out;
}

// ---- export and search ----

/** Reads every part of exportSession and offers the joined text as a download named after the session's title. */
async function exportSession(format) {
  const sessionId = state.current;
  if (!sessionId) return;
  const parts = [];
  let cursor;
  ui.exportLink.hidden = true;
  try {
    do {
      const reply = await request({ action: 'exportSession', sessionId, format, ...(cursor ? { cursor } : {}) }, 'export',
        (ev) => ev.sessionId === sessionId && ev.format === format);
      parts.push(reply.content ?? '');
      cursor = reply.nextCursor;
    } while (cursor);
  } catch (e) {
    showError(e);
    return;
  }
  if (state.exportUrl) URL.revokeObjectURL(state.exportUrl);
  const type = format === 'json' ? 'application/json' : 'text/markdown';
  state.exportUrl = URL.createObjectURL(new Blob([parts.join('')], { type: `${type};charset=utf-8` }));
  const name = `${fileName(state.sessions.get(sessionId)?.title)}.${format === 'json' ? 'json' : 'md'}`;
  ui.exportLink.href = state.exportUrl;
  ui.exportLink.download = name;
  ui.exportLink.dataset.format = format;
  ui.exportLink.dataset.sessionId = sessionId;
  ui.exportLink.textContent = `Download ${name}`;
  ui.exportLink.hidden = false;
}

function fileName(title) {
  const name = (title ?? '').replace(/[\\/:*?"<>|\u0000-\u001f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 100);
  return name || 'conversation';
}

async function search(more) {
  const query = more ? state.search?.query : ui.searchQuery.value.trim();
  if (!query) return;
  const frame = { action: 'searchMessages', query, limit: 20 };
  if (more) frame.cursor = state.search.cursor;
  else ui.searchResults.replaceChildren();
  ui.searchMore.hidden = true;
  let reply;
  try {
    reply = await request(frame, 'searchResults', (ev) => ev.query === query);
  } catch (e) {
    showError(e);
    return;
  }
  state.search = { query, cursor: reply.nextCursor ?? null };
  ui.searchResults.append(...reply.results.map((r) => el('li', {},
    el('button', {
      type: 'button', className: 'search-result', dataset: { sessionId: r.sessionId, turnId: r.turnId ?? '' },
      onclick: () => openSession(r.sessionId),
    },
    el('span', { className: 'title' }, r.sessionTitle ?? 'Conversation'),
    el('span', { className: 'excerpt' }, r.excerpt ?? ''),
    el('time', { dateTime: r.createdAt ?? '' },
      [WHO[r.role] ?? r.role ?? '', when(r.createdAt), r.superseded ? 'replaced' : ''].filter(Boolean).join(' · '))))));
  if (!reply.results.length && !more) ui.searchResults.append(el('li', { className: 'hint' }, 'Nothing found.'));
  ui.searchMore.hidden = !state.search.cursor;
}

// ---- memories and documents ----

function toggleKnowledge() {
  const show = ui.knowledge.hidden;
  ui.knowledge.hidden = !show;
  ui.chat.classList.toggle('with-knowledge', show);
  ui.knowledgeToggle.setAttribute('aria-expanded', String(show));
  if (show) loadKnowledge();
}

async function loadKnowledge() {
  ui.knowledgeError.textContent = '';
  try {
    const [memories, documents] = await Promise.all([
      request({ action: 'listMemories' }, 'memories'), request({ action: 'listDocuments' }, 'documents')]);
    ui.memories.replaceChildren(...memories.memories.map(memoryEl));
    ui.documents.replaceChildren(...documents.documents.map(documentEl));
    if (!memories.memories.length) ui.memories.append(el('li', { className: 'hint empty' }, 'Nothing remembered yet.'));
  } catch (e) {
    ui.knowledgeError.textContent = describe(e);
  }
}

function memoryEl(m) {
  const node = el('li', { className: 'memory', dataset: { memoryId: m.memoryId } },
    el('span', { className: 'text' }, m.text ?? ''),
    el('button', {
      type: 'button', className: 'delete', onclick: async () => {
        try {
          await request({ action: 'deleteMemory', memoryId: m.memoryId }, 'memoryDeleted', (ev) => ev.memoryId === m.memoryId);
          node.remove();
        } catch (e) {
          ui.knowledgeError.textContent = describe(e);
        }
      },
    }, 'Delete'));
  return node;
}

function documentEl(d) {
  const status = state.readyDocuments.has(d.documentId) ? 'ready' : d.status;
  const node = el('li', { className: 'document', dataset: { documentId: d.documentId, status } },
    el('span', { className: 'title' }, d.title ?? ''),
    el('span', { className: 'status' }, ''),
    el('button', {
      type: 'button', className: 'delete', onclick: async () => {
        try {
          await request({ action: 'deleteDocument', documentId: d.documentId }, 'documentDeleted',
            (ev) => ev.documentId === d.documentId);
          node.remove();
        } catch (e) {
          ui.knowledgeError.textContent = describe(e);
        }
      },
    }, 'Delete'));
  showDocumentStatus(node, status, d.chars, d.chunks);
  return node;
}

function showDocumentStatus(node, status, chars, chunks) {
  node.dataset.status = status;
  if (chars !== undefined) node.dataset.chars = String(chars);
  if (chunks !== undefined) node.dataset.chunks = String(chunks);
  const size = `${node.dataset.chars ?? '?'} characters, ${node.dataset.chunks ?? '?'} excerpts`;
  node.querySelector('.status').textContent = `${status === 'ready' ? 'ready' : 'indexing…'} · ${size}`;
}

function onDocumentReady(ev) {
  const node = ui.documents.querySelector(`li[data-document-id="${CSS.escape(ev.documentId)}"]`);
  if (node) showDocumentStatus(node, 'ready', undefined, ev.chunks);
  else state.readyDocuments.add(ev.documentId);
}

/** A file picked is read as text into the box (its name becomes the title when none is typed). */
async function readDocumentFile() {
  const file = ui.documentFile.files?.[0];
  if (!file) return;
  ui.documentText.value = await file.text();
  if (!ui.documentTitle.value.trim()) ui.documentTitle.value = file.name.replace(/\.[^.]*$/, '').slice(0, 200);
}

async function addDocument() {
  const title = ui.documentTitle.value.trim();
  const text = ui.documentText.value;
  ui.knowledgeError.textContent = '';
  if (!title || !text.trim()) {
    ui.knowledgeError.textContent = 'A document needs a title and some text.';
    return;
  }
  try {
    const reply = await request({ action: 'addDocument', title, text }, 'documentAdded');
    ui.documents.append(documentEl(reply.document));
    ui.documentForm.reset();
  } catch (e) {
    ui.knowledgeError.textContent = describe(e);
  }
}

// ---- sending, cancelling ----

function isCommand(text) {
  const t = text.trimStart();
  return t.startsWith('/') && !t.startsWith('//');
}

async function submit() {
  const text = ui.message.value;
  if (!text.trim()) return;
  if (state.socket?.readyState !== WebSocket.OPEN) {
    note('Not connected right now; your message was not sent. It is still in the box.');
    return;
  }
  ui.message.value = '';
  let sessionId = state.current;
  if (!sessionId && !isCommand(text)) {
    // a new chat: create it with the chosen model, titled by the start of the message
    const model = ui.model.value;
    const frame = { action: 'createSession', sessionId: newId('s'), title: text.trim().slice(0, 60) };
    if (model && model !== state.defaultModel) frame.model = model;
    let reply;
    try {
      reply = await request(frame, 'session', (ev) => ev.session?.sessionId === frame.sessionId);
    } catch (e) {
      showError(e);
      ui.message.value = text;
      return;
    }
    sessionId = reply.session.sessionId;
    state.sessions.set(sessionId, reply.session);
    state.current = sessionId;
    markCurrent();
    loadSessions();
  }
  const frame = { action: 'sendMessage', clientMessageId: newId('m'), text };
  if (sessionId) frame.sessionId = sessionId;
  append(messageEl('user', text, { dataset: { clientMessageId: frame.clientMessageId } }));
  if (isCommand(text)) return send(frame); // a command is not stored: no retry
  state.outbox.set(frame.clientMessageId, frame);
  sendTracked(frame);
}

function updateCancel() {
  ui.cancel.hidden = ![...state.running.values()].includes(state.current) || !state.socket;
}

async function cancel() {
  const sessionId = state.current;
  if (!sessionId) return;
  ui.cancel.disabled = true;
  try {
    await request({ action: 'cancel', sessionId }, 'cancelRequested', (ev) => ev.sessionId === sessionId);
    note('Cancelling…');
  } catch (e) {
    showError(e);
  } finally {
    ui.cancel.disabled = false;
  }
}

async function changeModel() {
  const sessionId = state.current;
  if (!sessionId) {
    state.newChatModel = ui.model.value; // a new chat takes it when it is created
    return;
  }
  try {
    const reply = await request({ action: 'updateSession', sessionId, model: ui.model.value }, 'session',
      (ev) => ev.session?.sessionId === sessionId);
    state.sessions.set(sessionId, reply.session);
    note(`From the next message on, ${ui.model.value} answers.`);
  } catch (e) {
    showError(e);
    showModel();
  }
}

// ---- wiring ----

ui.login.addEventListener('submit', (e) => {
  e.preventDefault();
  signInDev(ui.user.value.trim());
});
ui.oidcSignIn.addEventListener('click', beginOidcSignIn);
ui.signOut.addEventListener('click', signOut);
ui.newChat.addEventListener('click', newChat);
ui.earlier.addEventListener('click', loadEarlier);
ui.cancel.addEventListener('click', cancel);
ui.model.addEventListener('change', changeModel);
ui.search.addEventListener('submit', (e) => {
  e.preventDefault();
  search(false);
});
ui.searchMore.addEventListener('click', () => search(true));
ui.exportMarkdown.addEventListener('click', () => exportSession('markdown'));
ui.exportJson.addEventListener('click', () => exportSession('json'));
ui.knowledgeToggle.addEventListener('click', toggleKnowledge);
ui.knowledgeRefresh.addEventListener('click', loadKnowledge);
ui.documentFile.addEventListener('change', readDocumentFile);
ui.documentForm.addEventListener('submit', (e) => {
  e.preventDefault();
  addDocument();
});
ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  submit();
});
ui.message.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    ui.composer.requestSubmit();
  }
});
window.addEventListener('online', () => {
  if (state.auth && !state.socket) connect();
});

async function start() {
  try {
    config = await loadConfig();
  } catch (e) {
    setStatus('signed-out', `The page cannot start: ${e.message}`);
    return;
  }
  if (config.signIn === 'dev') {
    const remembered = sessionStorage.getItem('switchboard.user');
    if (remembered) signInDev(remembered);
    else showSignIn();
    return;
  }
  let tokens = null;
  try {
    tokens = await completeOidcSignIn() ?? JSON.parse(sessionStorage.getItem(OIDC_TOKENS) ?? 'null');
  } catch (e) {
    ui.oidcError.textContent = `Could not sign in: ${e.message}`;
  }
  if (tokens) startChat(oidcAuth(tokens));
  else showSignIn();
}

start();
