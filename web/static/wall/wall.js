"use strict";
// The wall display: follows its wall's layout over a WebSocket and renders every tile.
// Camera tiles play live WHEP video through the wall's own endpoint (so the wall's rendition
// holds whoever is signed in); panels are read from the API. No controls: it runs by itself.
(() => {
  const wallId = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
  const root = document.getElementById("wall");
  const banner = document.getElementById("banner");
  const signin = document.getElementById("signin");
  const tiles = new Map(); // "x,y,w,h" -> {el, signature, stop, refresh}
  const cameras = new Map(); // camera id -> camera from /api/cameras
  const PANEL_REFRESH_MS = 5000;
  const RETRY_VIDEO_MS = 3000;
  const MAX_BACKOFF_MS = 10000;
  let state = null;
  let backoff = 500;
  let socket = null;

  class SignedOut extends Error {}

  async function api(path, options = {}) {
    const response = await fetch(path, { credentials: "same-origin", ...options });
    if (response.status === 401) {
      showSignIn();
      throw new SignedOut("signed out");
    }
    if (!response.ok) {
      let detail = response.statusText;
      try {
        detail = (await response.json()).detail || detail;
      } catch (_) {
        // not JSON: keep the status text
      }
      throw new Error(`${detail} (HTTP ${response.status})`);
    }
    return response;
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  function when(iso) {
    const moment = new Date(iso);
    return el("time", { datetime: iso }, moment.toLocaleTimeString([], { hour12: false }));
  }

  // --- signing in (once per display; the session cookie keeps it) ----------------------------

  function showSignIn() {
    signin.hidden = false;
    if (socket) socket.close();
  }

  signin.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(signin);
    const body = JSON.stringify({ username: form.get("username"), password: form.get("password") });
    const error = document.getElementById("signin-error");
    const response = await fetch("/api/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      credentials: "same-origin",
    });
    if (!response.ok) {
      error.textContent = "Wrong username or password.";
      return;
    }
    error.textContent = "";
    signin.hidden = true;
    start();
  });

  // --- the layout feed ----------------------------------------------------------------------

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/walls/${encodeURIComponent(wallId)}/ws`);
    socket.onopen = () => {
      backoff = 500;
      banner.hidden = true;
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "layout") render(message);
    };
    socket.onclose = async () => {
      socket = null;
      if (!signin.hidden) return;
      banner.hidden = false;
      try {
        await api("/api/auth/me"); // a refusal may mean the session ended: then sign in again
      } catch (error) {
        if (error instanceof SignedOut) return;
      }
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    };
  }

  async function loadCameras() {
    try {
      const list = await (await api("/api/cameras")).json();
      cameras.clear();
      for (const camera of list) cameras.set(camera.id, camera);
    } catch (error) {
      if (error instanceof SignedOut) throw error;
    }
  }

  // --- rendering ----------------------------------------------------------------------------

  function render(next) {
    state = next;
    const layout = next.layout;
    Object.assign(root.dataset, { wall: next.wall_id, version: next.version, mode: next.mode });
    root.style.gridTemplateColumns = `repeat(${layout.cols}, minmax(0, 1fr))`;
    root.style.gridTemplateRows = `repeat(${layout.rows}, minmax(0, 1fr))`;
    document.getElementById("wall-name").textContent = next.name;
    document.getElementById("wall-version").textContent = `v${next.version}`;
    const seen = new Set();
    for (const tile of layout.tiles) {
      const key = `${tile.x},${tile.y},${tile.w},${tile.h}`;
      const signature = JSON.stringify([tile.kind, tile.camera_id, tile.incident_id, tile.text, next.crisis_id]);
      seen.add(key);
      let entry = tiles.get(key);
      if (entry && entry.signature === signature) {
        describe(entry.el, tile); // pinned or auto may change without new content
        continue;
      }
      if (entry) remove(key, entry);
      entry = build(tile, signature);
      tiles.set(key, entry);
      root.append(entry.el);
    }
    for (const [key, entry] of tiles) if (!seen.has(key)) remove(key, entry);
  }

  function remove(key, entry) {
    entry.stop();
    entry.el.remove();
    tiles.delete(key);
  }

  function describe(node, tile) {
    Object.assign(node.dataset, {
      kind: tile.kind,
      x: tile.x,
      y: tile.y,
      camera: tile.camera_id || "",
      incident: tile.incident_id ?? "",
      pinned: tile.pinned,
    });
    node.style.gridColumn = `${tile.x + 1} / span ${tile.w}`;
    node.style.gridRow = `${tile.y + 1} / span ${tile.h}`;
  }

  function build(tile, signature) {
    const node = el("section", { class: "tile" });
    describe(node, tile);
    const entry = { el: node, signature, stop: () => {}, refresh: null };
    if (tile.kind === "camera") entry.stop = cameraTile(node, tile);
    else if (tile.kind === "text") node.append(el("div", { class: "text" }, tile.text || ""));
    else if (PANELS[tile.kind]) {
      entry.refresh = () => fill(node, tile);
      entry.refresh();
    }
    return entry;
  }

  // --- camera tiles: live WHEP video ---------------------------------------------------------

  function cameraTile(node, tile) {
    const video = el("video", { "data-state": "connecting" });
    Object.assign(video, { muted: true, autoplay: true, playsInline: true });
    const camera = cameras.get(tile.camera_id);
    const label = el("div", { class: tile.incident_id ? "label incident" : "label" });
    label.textContent = (camera ? camera.name : tile.camera_id) +
      (tile.incident_id ? ` · incident ${tile.incident_id}` : "");
    node.append(video, label);
    let peer = null;
    let session = null;
    let stopped = false;
    let retry = null;

    const close = () => {
      if (peer) peer.close();
      peer = null;
      if (session) fetch(session, { method: "DELETE", credentials: "same-origin" }).catch(() => {});
      session = null;
    };
    const problem = el("p", { class: "problem", hidden: "" });
    node.append(problem);
    const again = (why) => {
      video.dataset.state = "error";
      problem.textContent = `No video: ${why}. Retrying…`;
      problem.hidden = false;
      close();
      if (!stopped && !retry) retry = setTimeout(() => { retry = null; play(); }, RETRY_VIDEO_MS);
    };
    const play = async () => {
      if (stopped) return;
      video.dataset.state = "connecting";
      const pc = new RTCPeerConnection({ iceServers: [] });
      peer = pc;
      pc.addTransceiver("video", { direction: "recvonly" });
      pc.ontrack = (event) => {
        video.srcObject = event.streams[0] || new MediaStream([event.track]);
        video.play().catch(() => {});
      };
      pc.onconnectionstatechange = () => {
        if (pc === peer && pc.connectionState === "failed") again("connection failed");
      };
      try {
        await pc.setLocalDescription(await pc.createOffer());
        await gathered(pc);
        const path = `/api/walls/${encodeURIComponent(wallId)}/cameras/${encodeURIComponent(tile.camera_id)}/whep`;
        const response = await api(path, {
          method: "POST",
          headers: { "Content-Type": "application/sdp" },
          body: pc.localDescription.sdp,
        });
        session = response.headers.get("Location");
        if (stopped || pc !== peer) return close();
        await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
      } catch (error) {
        if (!(error instanceof SignedOut)) again(String(error.message || error));
      }
    };
    video.addEventListener("playing", () => {
      video.dataset.state = "playing";
      problem.hidden = true;
    });
    play();
    return () => {
      stopped = true;
      clearTimeout(retry);
      close();
    };
  }

  function gathered(pc) {
    // The server takes one offer with every candidate in it (no trickle).
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (pc.iceGatheringState === "complete") resolve();
      };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, 2000);
    });
  }

  // --- panels -------------------------------------------------------------------------------

  async function fill(node, tile) {
    try {
      const body = await PANELS[tile.kind](tile);
      node.replaceChildren(body);
    } catch (error) {
      if (error instanceof SignedOut) return;
      node.replaceChildren(el("p", { class: "problem" }, `Cannot show this panel: ${error.message}`));
    }
  }

  function list(title, items) {
    const entries = items.length ? items : [el("li", {}, "Nothing to show.")];
    return el("div", { class: "panel" }, el("h2", {}, title), el("ol", {}, ...entries));
  }

  const PANELS = {
    async timeline(tile) {
      if (tile.incident_id == null) return list("Incident timeline", [el("li", {}, "No open incident.")]);
      const incident = await (await api(`/api/incidents/${tile.incident_id}`)).json();
      const items = incident.timeline.slice(-14).reverse().map((entry) =>
        el("li", {}, when(entry.at), entry.text));
      const title = el("span", { class: `sev-${incident.severity}` }, `#${incident.id} ${incident.title}`);
      return list(title, items);
    },
    async alarms() {
      const page = await (await api("/api/alarms?limit=14")).json();
      const items = page.items.map(({ alarm }) =>
        el("li", { class: `sev-${alarm.severity}` }, when(alarm.occurred_at), alarm.description || alarm.type));
      return list(`Alarms (${page.total})`, items);
    },
    async crisis_log() {
      const path = state && state.crisis_id ? `/api/crises/${state.crisis_id}` : "/api/crises/current";
      const crisis = await (await api(path)).json();
      if (!crisis) return list("Crisis log", [el("li", {}, "No crisis open.")]);
      const items = (crisis.log || []).slice(-14).reverse().map((entry) =>
        el("li", { class: entry.kind }, when(entry.at), `${entry.author || "csu"}: ${entry.text}`));
      return list(`Crisis: ${crisis.title}`, items);
    },
    async map() {
      const incidents = (await (await api("/api/incidents")).json())
        .filter((i) => !["resolved", "closed"].includes(i.status) && i.lon != null);
      return drawMap([...cameras.values()].filter((c) => c.location), incidents);
    },
  };

  function drawMap(cams, incidents) {
    // A plain offline map: cameras and open incidents placed by longitude and latitude.
    const points = [
      ...cams.map((c) => [c.location.lon, c.location.lat]),
      ...incidents.map((i) => [i.lon, i.lat]),
    ];
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 1000 700");
    if (!points.length) return list("Map", []);
    // Longitude degrees shrink with latitude: scale them so the city keeps its shape.
    const squeeze = Math.cos((points[0][1] * Math.PI) / 180);
    const xs = points.map((p) => p[0] * squeeze);
    const ys = points.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const span = Math.max(x1 - x0, y1 - y0, 0.002);
    const left = 500 - ((x1 - x0) / span) * 400;
    const bottom = 350 + ((y1 - y0) / span) * 280;
    const place = ([lon, lat]) => [left + ((lon * squeeze - x0) / span) * 800, bottom - ((lat - y0) / span) * 560];
    const add = (tag, attrs, text) => {
      const node = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
      if (text) node.textContent = text;
      svg.append(node);
    };
    for (const c of cams) {
      const [x, y] = place([c.location.lon, c.location.lat]);
      add("circle", { cx: x, cy: y, r: 9, fill: c.status === "offline" ? "#666" : "#4dabf7" });
      const anchor = x > 700 ? { x: x - 12, "text-anchor": "end" } : { x: x + 12 };
      add("text", { ...anchor, y: y + 5, fill: "#ccc", "font-size": 22 }, c.name);
    }
    for (const i of incidents) {
      const [x, y] = place([i.lon, i.lat]);
      add("circle", { cx: x, cy: y, r: 16, fill: "none", stroke: "#ff6b6b", "stroke-width": 5 });
      add("text", { x: x + 18, y: y - 12, fill: "#ff6b6b", "font-size": 22 }, `#${i.id}`);
    }
    return svg;
  }

  setInterval(() => {
    for (const entry of tiles.values()) if (entry.refresh) entry.refresh();
  }, PANEL_REFRESH_MS);
  setInterval(() => {
    document.getElementById("clock").textContent = new Date().toLocaleTimeString([], { hour12: false });
  }, 1000);

  async function start() {
    try {
      await api("/api/auth/me");
      await loadCameras();
    } catch (error) {
      if (error instanceof SignedOut) return;
      banner.hidden = false; // the server is not answering: keep trying
      setTimeout(start, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      return;
    }
    connect();
  }

  start();
})();
