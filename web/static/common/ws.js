// A WebSocket that comes back by itself: backoff, the connection banner, and a resync hook.
import { me } from "./api.js";
import { backoff } from "./backoff.js";
import { connectionBack, connectionLost } from "./banner.js";

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
  const wait = backoff();
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
    timer = setTimeout(connect, wait.next());
  };

  function connect() {
    timer = null;
    const current = new WebSocket(absolute(url));
    socket = current;
    current.onopen = () => {
      wait.reset();
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
