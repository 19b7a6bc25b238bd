// Hands on a dome: a drag on its video or the arrow keys (and + -) while its tile has the focus
// become continuous-move speeds; letting go (mouse up, key up, focus gone) stops it.
import { el } from "/static/common/dom.js";

const DRAG_START_PX = 6; // a click is not a drag
const DEAD_ZONE = 0.06;
const STEP = 0.1; // speeds sent in tenths: a steady hand sends nothing new
const KEY_SPEED = 0.5; // Shift with an arrow: full speed
const KEEP_ALIVE_MS = 5000; // a held key re-sends its move before the camera's own timeout
const KEYS = {
  ArrowLeft: [-1, 0, 0], ArrowRight: [1, 0, 0], ArrowUp: [0, 1, 0], ArrowDown: [0, -1, 0],
  "+": [0, 0, 1], "=": [0, 0, 1], "-": [0, 0, -1], _: [0, 0, -1],
};

function speed(value) {
  const clamped = Math.max(-1, Math.min(1, value));
  return Math.abs(clamped) < DEAD_ZONE ? 0 : Math.round(clamped / STEP) * STEP;
}

/**
 * Follow the tile of the camera `cameraOf()` names inside `grid`: onMove(pan, tilt, zoom) as the
 * hand moves, onStop() when it lets go. Returns nothing; `active()` says whether to listen.
 */
export function handsOn(grid, { active, onMove, onStop }) {
  let drag = null;
  let swallowClick = false;
  const pressed = new Map(); // key -> [pan, tilt, zoom]
  let keySent = 0;

  const tileOf = (target) => {
    const tile = target.closest && target.closest("#grid .cam");
    return tile && active(tile.dataset.camera) ? tile : null;
  };

  grid.addEventListener("pointerdown", (event) => {
    const tile = tileOf(event.target);
    if (!tile || event.button !== 0) return;
    const box = tile.getBoundingClientRect();
    drag = { tile, box, x: event.clientX, y: event.clientY, moving: false, sent: "0,0", line: null };
    tile.setPointerCapture(event.pointerId);
    tile.focus();
  });
  grid.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moving && Math.hypot(dx, dy) < DRAG_START_PX) return;
    drag.moving = true;
    showLine(drag, dx, dy);
    // Half the tile from where the drag began is full speed; up on screen is tilt up.
    const pan = speed(dx / (drag.box.width / 2));
    const tilt = speed(-dy / (drag.box.height / 2));
    const key = `${pan},${tilt}`;
    if (key === drag.sent) return;
    drag.sent = key;
    if (pan || tilt) onMove(pan, tilt, 0);
    else onStop();
  });
  const release = () => {
    if (!drag) return;
    if (drag.moving) {
      swallowClick = true; // the click that ends a drag does not enlarge or shrink the tile
      if (drag.line) drag.line.remove();
      onStop();
    }
    drag = null;
  };
  grid.addEventListener("pointerup", release);
  grid.addEventListener("pointercancel", release);
  grid.addEventListener("click", (event) => {
    if (!swallowClick) return;
    swallowClick = false;
    event.stopPropagation();
  }, true);

  const keysMoved = () => {
    const total = [0, 0, 0];
    let fast = false;
    for (const [vector, shift] of pressed.values()) {
      vector.forEach((v, i) => { total[i] += v; });
      fast = fast || shift;
    }
    const scale = fast ? 1 : KEY_SPEED;
    keySent = Date.now();
    if (total.some((v) => v)) onMove(...total.map((v) => speed(Math.sign(v) * scale)));
    else onStop();
  };
  grid.addEventListener("keydown", (event) => {
    const vector = KEYS[event.key];
    if (!vector || event.ctrlKey || event.altKey || event.metaKey || !tileOf(event.target)) return;
    event.preventDefault();
    event.stopPropagation(); // the console's own arrows (the queue) wait
    if (event.repeat && pressed.has(event.key) && Date.now() - keySent < KEEP_ALIVE_MS) return;
    pressed.set(event.key, [vector, event.shiftKey && event.key.startsWith("Arrow")]);
    keysMoved();
  });
  grid.addEventListener("keyup", (event) => {
    if (!pressed.delete(event.key)) return;
    event.preventDefault();
    keysMoved();
  });
  grid.addEventListener("focusout", () => {
    if (!pressed.size) return;
    pressed.clear();
    onStop();
  });
}

function showLine(drag, dx, dy) {
  // A line from where the drag began to the hand: its direction and length are the speeds.
  if (!drag.line) {
    drag.line = el("span", { class: "ptz-drag", "aria-hidden": "true" });
    drag.tile.append(drag.line);
  }
  Object.assign(drag.line.style, {
    left: `${drag.x - drag.box.left}px`,
    top: `${drag.y - drag.box.top}px`,
    width: `${Math.hypot(dx, dy)}px`,
    transform: `rotate(${Math.atan2(dy, dx)}rad)`,
  });
}
