// gameport browser client: the TCP wire protocol of docs/PROTOCOL.md carried over a WebSocket.
// Every client packet goes as one binary frame; server frames are a byte stream that is cut into
// packets by their u16 size. Plain JS, nothing fetched from elsewhere.
(function () {
  'use strict';

  // ---- protocol constants (docs/PROTOCOL.md) ----
  const CS_LOGIN = 0, CS_MOVE = 1, CS_CHAT = 2, CS_ATTACK = 3, CS_TELEPORT = 4;
  const SC_LOGIN_INFO = 2, SC_LOGIN_FAIL = 3, SC_ADD_OBJECT = 4, SC_REMOVE_OBJECT = 5,
    SC_MOVE_OBJECT = 6, SC_CHAT = 7, SC_STAT_CHANGE = 8;
  const NAME_SIZE = 20, MAX_CHAT_BYTES = 300;
  const DIR_UP = 0, DIR_DOWN = 1, DIR_LEFT = 2, DIR_RIGHT = 3;
  const SC_SIZES = { 2: 31, 3: 3, 4: 35, 5: 7, 6: 15, 8: 19 }; // SC_CHAT: 8..307

  // Client-side pacing, under the server's sustained limits (moves 20/s, attacks 5/s, teleports 1/s).
  const MOVE_GAP_MS = 60, ATTACK_GAP_MS = 220, TELEPORT_GAP_MS = 1100;
  const MAX_EVENTS = 8, MAX_CHAT_LINES = 200;

  const KINDS = {
    0: { label: 'player', color: '#4aa3ff', letter: '' },
    1: { label: 'slime', color: '#58c760', letter: 'S' },
    2: { label: 'orc', color: '#e8833a', letter: 'O' },
    3: { label: 'troll', color: '#b05cff', letter: 'T' },
  };
  const SELF_COLOR = '#ffd23f';

  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8');

  const state = {
    connected: false,
    loggedIn: false,
    me: { id: -1, x: 0, y: 0, hp: 0, maxHp: 0, exp: 0, level: 0, name: '' },
    objects: new Map(),
    chat: [],
    events: [],
    config: null,
    map: null,
    error: null,
  };
  window.gameport = state;

  const $ = (id) => document.getElementById(id);
  const ui = {
    name: $('name'), login: $('login'), loginError: $('login-error'), loginPanel: $('login-panel'),
    game: $('game'), board: $('board'), status: $('status'), hpFill: $('hp-fill'), hpText: $('hp-text'),
    levelText: $('level-text'), expFill: $('exp-fill'), expText: $('exp-text'), posText: $('pos-text'),
    events: $('events'), chatLog: $('chat-log'), chatInput: $('chat-input'), chatSend: $('chat-send'),
    teleport: $('teleport'), connDot: $('conn-dot'), connText: $('conn-text'),
    disconnected: $('disconnected'), disconnectedText: $('disconnected-text'), reconnect: $('reconnect'),
  };

  let ws = null;
  let inbuf = new Uint8Array(4096);
  let inlen = 0;
  let loginPending = false;
  let pendingName = null;
  let lastMoveAt = -1e9, lastAttackAt = -1e9, lastTeleportAt = -1e9;
  let lastAdjacentKill = null; // {name, at}: an NPC next to us that vanished, likely our kill
  let dirty = true;

  // ---- setup: config and map first, then the socket ----

  async function init() {
    setConn(false, 'loading world…');
    try {
      const [cfgRes, mapRes] = await Promise.all([fetch('/api/config'), fetch('/api/map')]);
      if (!cfgRes.ok) throw new Error('/api/config: HTTP ' + cfgRes.status);
      if (!mapRes.ok) throw new Error('/api/map: HTTP ' + mapRes.status);
      state.config = await cfgRes.json();
      state.map = parseMap(await mapRes.arrayBuffer());
    } catch (e) {
      state.error = String(e);
      setConn(false, 'cannot load the world: ' + e.message);
      ui.loginError.textContent = 'Cannot load the world from the server (' + e.message + '). Reload to retry.';
      return;
    }
    connect();
  }

  function parseMap(buf) {
    const dv = new DataView(buf);
    if (buf.byteLength < 8) throw new Error('/api/map: too short');
    const width = dv.getUint32(0, true), height = dv.getUint32(4, true);
    const bits = new Uint8Array(buf, 8);
    if (bits.length * 8 < width * height) throw new Error('/api/map: ' + bits.length + ' bytes for ' + width + 'x' + height);
    return {
      width, height, bits,
      isWall(x, y) {
        const i = y * width + x;
        return (bits[i >> 3] >> (i & 7)) & 1;
      },
    };
  }

  function connect() {
    const url = (location.protocol === 'https:' ? 'wss' : 'ws') + '://' + location.host + '/ws';
    inlen = 0;
    setConn(false, 'connecting…');
    const sock = new WebSocket(url);
    sock.binaryType = 'arraybuffer';
    ws = sock;
    sock.onopen = () => {
      if (ws !== sock) return;
      state.connected = true;
      setConn(true, 'connected');
      ui.login.disabled = false;
      if (pendingName !== null) {
        const n = pendingName;
        pendingName = null;
        sendLogin(n);
      }
    };
    sock.onmessage = (ev) => {
      if (ws !== sock) return;
      receive(new Uint8Array(ev.data));
    };
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      onClosed(ev.code === 1000 || ev.code === 1005 || ev.code === 1006 ? '' : ' (' + ev.code + (ev.reason ? ' ' + ev.reason : '') + ')');
    };
    sock.onerror = () => { /* onclose follows */ };
  }

  function onClosed(detail) {
    const wasIn = state.loggedIn;
    state.connected = false;
    state.loggedIn = false;
    loginPending = false;
    ws = null;
    setConn(false, 'disconnected');
    ui.login.disabled = false;
    if (wasIn) {
      const quiet = Math.round((performance.now() - lastSentAt) / 1000);
      ui.disconnectedText.textContent = 'Connection closed by the server' + detail + '.'
        + (quiet >= 10 ? ' Nothing was sent for ' + quiet + ' s; the server closes idle players.' : '');
      ui.disconnected.classList.remove('hidden');
      addEvent('disconnected', 'hit');
    } else {
      ui.loginError.textContent = 'Connection closed' + detail + '. Log in again to reconnect.';
    }
  }

  function setConn(on, text) {
    ui.connDot.classList.toggle('on', on);
    ui.connText.textContent = text;
  }

  // ---- sending ----

  let lastSentAt = performance.now();

  function send(bytes) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(bytes);
    lastSentAt = performance.now();
    return true;
  }

  function packet(type, bodyLen) {
    const b = new Uint8Array(3 + bodyLen);
    b[0] = b.length & 0xff;
    b[1] = b.length >> 8;
    b[2] = type;
    return b;
  }

  function sendLogin(name) {
    const bytes = encoder.encode(name);
    const p = packet(CS_LOGIN, NAME_SIZE);
    p.set(bytes, 3);
    loginPending = true;
    state.me.name = name;
    ui.login.disabled = true;
    send(p);
  }

  function sendMove(dir) {
    const p = packet(CS_MOVE, 5);
    p[3] = dir;
    new DataView(p.buffer).setUint32(4, (performance.now() | 0) >>> 0, true);
    send(p);
  }

  function sendEmpty(type) {
    send(packet(type, 0));
  }

  function sendChat(text) {
    let bytes = encoder.encode(text);
    if (bytes.length > MAX_CHAT_BYTES) {
      // Cut at a character boundary: drop continuation bytes (10xxxxxx) at the cut.
      let n = MAX_CHAT_BYTES;
      while (n > 0 && (bytes[n] & 0xc0) === 0x80) n--;
      bytes = bytes.subarray(0, n);
    }
    if (bytes.length === 0) return false;
    const p = packet(CS_CHAT, bytes.length);
    p.set(bytes, 3);
    return send(p);
  }

  // ---- receiving: a byte stream cut into packets ----

  function receive(chunk) {
    if (inlen + chunk.length > inbuf.length) {
      const bigger = new Uint8Array(Math.max(inbuf.length * 2, inlen + chunk.length));
      bigger.set(inbuf.subarray(0, inlen));
      inbuf = bigger;
    }
    inbuf.set(chunk, inlen);
    inlen += chunk.length;
    let at = 0;
    while (inlen - at >= 3) {
      const size = inbuf[at] | (inbuf[at + 1] << 8);
      const type = inbuf[at + 2];
      const expected = SC_SIZES[type];
      const ok = type === SC_CHAT ? size >= 8 && size <= 307 : expected !== undefined && size === expected;
      if (!ok) {
        protocolError('bad server packet: type ' + type + ' size ' + size);
        return;
      }
      if (inlen - at < size) break;
      handle(type, new DataView(inbuf.buffer, inbuf.byteOffset + at, size), inbuf.subarray(at, at + size));
      at += size;
    }
    if (at > 0) {
      inbuf.copyWithin(0, at, inlen);
      inlen -= at;
    }
    dirty = true;
  }

  function protocolError(msg) {
    state.error = msg;
    console.error(msg);
    if (ws) ws.close();
  }

  function nameOf(bytes) {
    let n = 0;
    while (n < bytes.length && bytes[n] !== 0) n++;
    return decoder.decode(bytes.subarray(0, n));
  }

  function handle(type, dv, bytes) {
    const me = state.me;
    switch (type) {
      case SC_LOGIN_INFO: {
        loginPending = false;
        state.loggedIn = true;
        me.id = dv.getInt32(7, true);
        me.hp = dv.getInt32(11, true);
        me.maxHp = dv.getInt32(15, true);
        me.exp = dv.getInt32(19, true);
        me.level = dv.getInt32(23, true);
        me.x = dv.getInt16(27, true);
        me.y = dv.getInt16(29, true);
        state.objects.clear();
        onLoggedIn();
        break;
      }
      case SC_LOGIN_FAIL: {
        loginPending = false;
        ui.login.disabled = false;
        ui.loginError.textContent = 'Login refused: the name is taken or not allowed, or the server is full. Try another name.';
        ui.name.focus();
        ui.name.select();
        break;
      }
      case SC_ADD_OBJECT: {
        const id = dv.getInt32(3, true);
        state.objects.set(id, {
          id, visual: dv.getInt32(7, true), x: dv.getInt16(11, true), y: dv.getInt16(13, true),
          name: nameOf(bytes.subarray(15, 35)),
        });
        break;
      }
      case SC_REMOVE_OBJECT: {
        const id = dv.getInt32(3, true);
        const o = state.objects.get(id);
        if (o && o.visual !== 0 && Math.abs(o.x - me.x) + Math.abs(o.y - me.y) <= 1) {
          lastAdjacentKill = { name: o.name || KINDS[o.visual]?.label || 'enemy', at: performance.now() };
        }
        state.objects.delete(id);
        break;
      }
      case SC_MOVE_OBJECT: {
        const id = dv.getInt32(3, true);
        const x = dv.getInt16(7, true), y = dv.getInt16(9, true);
        if (id === me.id) {
          me.x = x;
          me.y = y;
        } else {
          const o = state.objects.get(id);
          if (o) { o.x = x; o.y = y; }
        }
        break;
      }
      case SC_CHAT: {
        const id = dv.getInt32(3, true);
        addChat(id, decoder.decode(bytes.subarray(7)));
        break;
      }
      case SC_STAT_CHANGE: {
        const hp = dv.getInt32(3, true), maxHp = dv.getInt32(7, true);
        const exp = dv.getInt32(11, true), level = dv.getInt32(15, true);
        statEvents(hp, maxHp, exp, level);
        me.hp = hp; me.maxHp = maxHp; me.exp = exp; me.level = level;
        updateStatus();
        break;
      }
    }
  }

  // Events from stat changes: hp down = hit; exp up = a kill (exp comes only from kills); level up;
  // hp back up without a level = died and respawned (hp refilled, exp halved).
  function statEvents(hp, maxHp, exp, level) {
    const me = state.me;
    if (hp < me.hp) addEvent('you were hit (-' + (me.hp - hp) + ' hp)', 'hit');
    if (exp > me.exp) {
      const k = lastAdjacentKill && performance.now() - lastAdjacentKill.at < 2000 ? lastAdjacentKill.name : 'an enemy';
      lastAdjacentKill = null;
      addEvent('you hit and defeated ' + k + ' / +' + (exp - me.exp) + ' exp', 'good');
    }
    if (level > me.level) addEvent('level up to ' + level + '!', 'level');
    if (level === me.level && hp > me.hp) {
      addEvent('you died and respawned' + (exp < me.exp ? ' (-' + (me.exp - exp) + ' exp)' : ''), 'hit');
    }
  }

  let lastEventText = null, lastEventCount = 0;

  function addEvent(text, cls) {
    // A repeat of the last event (e.g. attacking again and again) updates its line: "you attack ×3".
    if (text === lastEventText && ui.events.lastChild) {
      lastEventCount++;
      const shown = text + ' \u00d7' + lastEventCount;
      state.events[state.events.length - 1] = shown;
      ui.events.lastChild.textContent = shown;
      return;
    }
    lastEventText = text;
    lastEventCount = 1;
    state.events.push(text);
    while (state.events.length > MAX_EVENTS) state.events.shift();
    const li = document.createElement('li');
    li.textContent = text;
    if (cls) li.className = cls;
    ui.events.appendChild(li);
    while (ui.events.children.length > MAX_EVENTS) ui.events.removeChild(ui.events.firstChild);
  }

  function addChat(id, text) {
    state.chat.push({ id, text });
    while (state.chat.length > MAX_CHAT_LINES) state.chat.shift();
    const o = state.objects.get(id);
    const who = id === state.me.id ? state.me.name : o && o.name ? o.name : '#' + id;
    const line = document.createElement('div');
    const w = document.createElement('span');
    w.className = 'who' + (id === state.me.id ? ' me' : '');
    w.textContent = who;
    line.appendChild(w);
    line.appendChild(document.createTextNode(': ' + text));
    const atBottom = ui.chatLog.scrollTop + ui.chatLog.clientHeight >= ui.chatLog.scrollHeight - 4;
    ui.chatLog.appendChild(line);
    while (ui.chatLog.children.length > MAX_CHAT_LINES) ui.chatLog.removeChild(ui.chatLog.firstChild);
    if (atBottom) ui.chatLog.scrollTop = ui.chatLog.scrollHeight;
  }

  function onLoggedIn() {
    ui.loginError.textContent = '';
    ui.loginPanel.classList.add('hidden');
    ui.game.classList.remove('hidden');
    ui.status.classList.remove('hidden');
    ui.disconnected.classList.add('hidden');
    setConn(true, 'playing as ' + state.me.name);
    if (document.activeElement === ui.name) ui.name.blur();
    ui.board.focus({ preventScroll: true });
    updateStatus();
    addEvent('logged in as ' + state.me.name + ' at (' + state.me.x + ', ' + state.me.y + ')');
  }

  function expForLevel(level) {
    return 50 * level * (level - 1);
  }

  function updateStatus() {
    const me = state.me;
    ui.hpText.textContent = 'HP ' + me.hp + '/' + me.maxHp;
    ui.hpFill.style.width = (me.maxHp > 0 ? Math.max(0, Math.min(100, 100 * me.hp / me.maxHp)) : 0) + '%';
    ui.levelText.textContent = 'Lv ' + me.level;
    const lo = expForLevel(me.level), hi = expForLevel(me.level + 1);
    ui.expText.textContent = 'Exp ' + me.exp + ' / ' + hi;
    ui.expFill.style.width = (hi > lo ? Math.max(0, Math.min(100, 100 * (me.exp - lo) / (hi - lo))) : 0) + '%';
  }

  // ---- drawing ----

  function draw() {
    requestAnimationFrame(draw);
    if (!dirty) return;
    dirty = false;
    if (state.me.id < 0) return;
    const cv = ui.board;
    const ctx = cv.getContext('2d');
    const R = state.config ? state.config.viewRange : 7;
    const n = 2 * R + 1;
    const t = Math.floor(Math.min(cv.width, cv.height) / n);
    const ox = Math.floor((cv.width - t * n) / 2), oy = Math.floor((cv.height - t * n) / 2);
    const me = state.me, map = state.map;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, cv.width, cv.height);

    for (let dy = -R; dy <= R; dy++) {
      for (let dx = -R; dx <= R; dx++) {
        const x = me.x + dx, y = me.y + dy;
        const px = ox + (dx + R) * t, py = oy + (dy + R) * t;
        if (!map || x < 0 || y < 0 || x >= map.width || y >= map.height) {
          ctx.fillStyle = '#07080a';
          ctx.fillRect(px, py, t, t);
          ctx.strokeStyle = '#14171c';
          ctx.beginPath();
          ctx.moveTo(px, py + t); ctx.lineTo(px + t, py);
          ctx.stroke();
        } else if (map.isWall(x, y)) {
          ctx.fillStyle = '#59616d';
          ctx.fillRect(px, py, t, t);
          ctx.fillStyle = '#454c56';
          ctx.fillRect(px, py + t - 5, t, 5);
          ctx.fillStyle = '#6b7380';
          ctx.fillRect(px, py, t, 3);
        } else {
          ctx.fillStyle = (x + y) & 1 ? '#1d2a22' : '#1a261f';
          ctx.fillRect(px, py, t, t);
        }
      }
    }
    ctx.strokeStyle = 'rgba(255,255,255,0.04)';
    ctx.lineWidth = 1;
    for (let i = 0; i <= n; i++) {
      ctx.beginPath(); ctx.moveTo(ox + i * t + 0.5, oy); ctx.lineTo(ox + i * t + 0.5, oy + n * t); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(ox, oy + i * t + 0.5); ctx.lineTo(ox + n * t, oy + i * t + 0.5); ctx.stroke();
    }

    // Objects share tiles (nothing blocks): NPCs first, players over them, names last.
    const stacks = new Map();
    const list = [...state.objects.values()].filter((o) => Math.abs(o.x - me.x) <= R && Math.abs(o.y - me.y) <= R);
    list.sort((a, b) => (a.visual === 0) - (b.visual === 0) || b.visual - a.visual);
    const labels = [];
    for (const o of list) {
      const key = o.x + ',' + o.y;
      const k = stacks.get(key) || 0;
      stacks.set(key, k + 1);
      const cx = ox + (o.x - me.x + R) * t + t / 2 + k * 4, cy = oy + (o.y - me.y + R) * t + t / 2 - k * 4;
      const kind = KINDS[o.visual] || { color: '#cccccc', letter: '?' };
      token(ctx, cx, cy, t, kind.color, kind.letter, o.visual === 0 ? 0.34 : 0.3);
      if (o.visual === 0) labels.push([o.name, cx, cy - t * 0.42, '#bcdcff']);
    }
    const mx = ox + R * t + t / 2, my = oy + R * t + t / 2;
    token(ctx, mx, my, t, SELF_COLOR, '', 0.38);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 2;
    ctx.beginPath(); ctx.arc(mx, my, t * 0.38, 0, Math.PI * 2); ctx.stroke();
    labels.push([me.name, mx, my - t * 0.46, '#ffe58a']);

    ctx.font = '600 12px system-ui, "DejaVu Sans", sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    for (const [text, x, y, color] of labels) {
      const w = ctx.measureText(text).width + 8;
      ctx.fillStyle = 'rgba(0,0,0,0.6)';
      ctx.fillRect(x - w / 2, y - 15, w, 15);
      ctx.fillStyle = color;
      ctx.fillText(text, x, y - 1);
    }
    ui.posText.textContent = '(' + me.x + ', ' + me.y + ')';
  }

  function token(ctx, cx, cy, t, color, letter, r) {
    ctx.fillStyle = 'rgba(0,0,0,0.45)';
    ctx.beginPath(); ctx.ellipse(cx, cy + t * 0.3, t * r, t * 0.1, 0, 0, Math.PI * 2); ctx.fill();
    ctx.fillStyle = color;
    ctx.beginPath(); ctx.arc(cx, cy, t * r, 0, Math.PI * 2); ctx.fill();
    ctx.strokeStyle = 'rgba(0,0,0,0.5)';
    ctx.lineWidth = 1.5;
    ctx.stroke();
    if (letter) {
      ctx.fillStyle = '#0b0d10';
      ctx.font = 'bold ' + Math.round(t * 0.42) + 'px system-ui, "DejaVu Sans", sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(letter, cx, cy + 1);
    }
  }

  // ---- input ----

  function isTyping(target) {
    return target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
  }

  const ARROWS = { ArrowUp: DIR_UP, ArrowDown: DIR_DOWN, ArrowLeft: DIR_LEFT, ArrowRight: DIR_RIGHT };

  document.addEventListener('keydown', (e) => {
    if (isTyping(e.target) || e.ctrlKey || e.altKey || e.metaKey) return;
    if (!state.loggedIn) return;
    const now = performance.now();
    if (e.key in ARROWS) {
      e.preventDefault();
      if (e.repeat && now - lastMoveAt < MOVE_GAP_MS) return;
      lastMoveAt = now;
      sendMove(ARROWS[e.key]);
    } else if (e.key === 'a' || e.key === 'A' || e.key === ' ') {
      e.preventDefault();
      if (e.repeat && now - lastAttackAt < ATTACK_GAP_MS) return;
      lastAttackAt = now;
      sendEmpty(CS_ATTACK);
      addEvent('you attack');
    } else if (e.key === 'Enter') {
      e.preventDefault();
      ui.chatInput.focus();
    }
  });

  ui.chatInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      doChat();
    } else if (e.key === 'Escape') {
      ui.chatInput.blur();
      ui.board.focus({ preventScroll: true });
    }
  });
  ui.chatSend.addEventListener('click', doChat);

  function doChat() {
    const text = ui.chatInput.value;
    if (!state.loggedIn || text.length === 0) return;
    if (sendChat(text)) ui.chatInput.value = '';
  }

  ui.teleport.addEventListener('click', () => {
    if (!state.loggedIn) return;
    const now = performance.now();
    if (now - lastTeleportAt < TELEPORT_GAP_MS) return;
    lastTeleportAt = now;
    sendEmpty(CS_TELEPORT);
    addEvent('teleport');
    ui.teleport.blur();
    ui.board.focus({ preventScroll: true });
  });

  function doLogin() {
    if (loginPending || state.loggedIn) return;
    const name = ui.name.value.trim();
    const bytes = encoder.encode(name);
    if (bytes.length === 0) {
      ui.loginError.textContent = 'Enter a name.';
      return;
    }
    if (bytes.length > NAME_SIZE) {
      ui.loginError.textContent = 'That name is ' + bytes.length + ' bytes of UTF-8; at most ' + NAME_SIZE + ' fit.';
      return;
    }
    ui.loginError.textContent = '';
    if (ws && ws.readyState === WebSocket.OPEN) {
      sendLogin(name);
    } else {
      pendingName = name;
      ui.login.disabled = true;
      if (!ws && state.map) connect();
    }
  }
  ui.login.addEventListener('click', doLogin);
  ui.name.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      doLogin();
    }
  });

  ui.reconnect.addEventListener('click', () => location.reload());
  ui.board.addEventListener('mousedown', () => ui.board.focus({ preventScroll: true }));

  requestAnimationFrame(draw);
  init();
})();
