// A WebSocket that comes back by itself: backoff, the connection banner, and a resync hook.
import { me } from "./api.js";
import { connectionBack, connectionLost } from "./banner.js";

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10000;

function absolute(url) {
  if (/^wss?:/.test(url)) return url;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}${url}`;
}

/**
 * Follow a JSON message stream. onOpen({reconnected, send}) runs on every (re)connection, so the
 * page can reload what it may have missed. Returns {send, close}.
 */
export function reconnectingSocket(url, onMessage, { onOpen } = {}) {
  const source = `ws:${url}`;
  let socket = null;
  let backoff = FIRST_BACKOFF_MS;
  let opened = false;
  let stopped = false;
  let timer = null;

  const send = (text) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
  };

  const retry = async () => {
    try {
      await me(); // a refusal may mean the session ended: me() then goes to the sign-in page
    } catch (error) {
      if (error.status === 401) return;
    }
    if (stopped) return;
    timer = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  };

  function connect() {
    timer = null;
    const current = new WebSocket(absolute(url));
    socket = current;
    current.onopen = () => {
      backoff = FIRST_BACKOFF_MS;
      connectionBack(source);
      const reconnected = opened;
      opened = true;
      if (onOpen) onOpen({ reconnected, send });
    };
    current.onmessage = (event) => onMessage(JSON.parse(event.data));
    current.onclose = () => {
      if (socket !== current) return;
      socket = null;
      if (stopped) return;
      connectionLost(source);
      retry();
    };
  }

  connect();
  return {
    send,
    close() {
      stopped = true;
      clearTimeout(timer);
      connectionBack(source);
      if (socket) socket.close();
    },
  };
}
