// The offline map: cameras with their field of view, alarms and incidents as markers.
// Drawn as SVG in Web Mercator; under it the site's own tiles if it has a tile server, otherwise
// the streets from the site file, otherwise a plain grid. Nothing is fetched from outside.
import { api } from "./api.js";

const NS = "http://www.w3.org/2000/svg";
const MARGIN = 40;
const EARTH_M = 40075016.686;
let config = null;

/** The site's map settings ({tile_url, attribution, streets}), read once. */
export async function mapConfig() {
  if (!config) config = await api("/api/site/map");
  return config;
}

function mercator(lat, lon) {
  const rad = (lat * Math.PI) / 180;
  return [(lon + 180) / 360, (1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2];
}

function offset(lat, lon, bearingDeg, metres) {
  const theta = (bearingDeg * Math.PI) / 180;
  const dLat = (metres * Math.cos(theta)) / 111320;
  const dLon = (metres * Math.sin(theta)) / (111320 * Math.cos((lat * Math.PI) / 180));
  return [lat + dLat, lon + dLon];
}

function cone(camera) {
  // The ground a camera covers: its position and an arc at its range.
  const { lat, lon } = camera.location;
  const { bearing_deg: bearing, fov_deg: fov, range_m: range } = camera.view;
  const steps = Math.max(4, Math.ceil(fov / 10));
  const arc = [];
  for (let i = 0; i <= steps; i += 1) arc.push(offset(lat, lon, bearing - fov / 2 + (fov * i) / steps, range));
  return fov >= 360 ? arc : [[lat, lon], ...arc];
}

function frame(points, width, height) {
  // Scale and shift so every point fits the drawing, keeping the map's shape.
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const minimum = 300 / EARTH_M; // never zoom closer than about 300 m across
  const scale = Math.min((width - 2 * MARGIN) / Math.max(x1 - x0, minimum), (height - 2 * MARGIN) / Math.max(y1 - y0, minimum));
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const project = ([x, y]) => [width / 2 + (x - cx) * scale, height / 2 + (y - cy) * scale];
  return { scale, project, cx, cy, width, height };
}

function adder(svg) {
  return (tag, attrs, text, parent = svg) => {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text) node.textContent = text;
    parent.append(node);
    return node;
  };
}

function tiles(add, view, url) {
  const { width, height } = view;
  // Slippy-map tiles of the site's own server, at the zoom nearest the drawing's scale.
  const zoom = Math.max(0, Math.min(19, Math.round(Math.log2(view.scale / 256))));
  const n = 2 ** zoom;
  const size = view.scale / n;
  const worldX = (px) => view.cx + (px - width / 2) / view.scale;
  const worldY = (py) => view.cy + (py - height / 2) / view.scale;
  for (let tx = Math.floor(worldX(0) * n); tx <= Math.floor(worldX(width) * n); tx += 1) {
    for (let ty = Math.floor(worldY(0) * n); ty <= Math.floor(worldY(height) * n); ty += 1) {
      const [x, y] = view.project([tx / n, ty / n]);
      const href = url.replace("{z}", zoom).replace("{x}", tx).replace("{y}", ty);
      add("image", { href, x, y, width: size + 0.5, height: size + 0.5, class: "tile-image" });
    }
  }
}

function background(add, view, settings) {
  const { width, height } = view;
  add("rect", { x: 0, y: 0, width, height, class: "map-ground" });
  if (settings.tile_url) {
    tiles(add, view, settings.tile_url);
    return "tiles";
  }
  if (settings.streets && settings.streets.length) {
    for (const street of settings.streets) {
      const points = street.points.map(([lat, lon]) => view.project(mercator(lat, lon)).join(","));
      add("polyline", { points: points.join(" "), class: "map-street" });
    }
    return "streets";
  }
  for (let x = 0; x <= width; x += 40) add("line", { x1: x, y1: 0, x2: x, y2: height, class: "map-grid" });
  for (let y = 0; y <= height; y += 40) add("line", { x1: 0, y1: y, x2: width, y2: y, class: "map-grid" });
  return "grid";
}

/**
 * Draw cameras ({id, name, status, location, view}) and markers ({id, lat, lon, label,
 * severity, kind}) in a drawing of width x height (the pane's pixels, so that text keeps its
 * size); onSelect(kind, id) runs when one is clicked. Returns the <svg>.
 */
export function drawMap({ cameras = [], markers = [], settings = {}, onSelect = null, width: w = 1000, height: h = 700 }) {
  const [width, height] = [Math.max(w, 200), Math.max(h, 150)];
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "map");
  const add = adder(svg);
  const placed = cameras.filter((c) => c.location);
  const cones = placed.filter((c) => c.view).map((c) => [c, cone(c)]);
  const points = [
    ...placed.map((c) => mercator(c.location.lat, c.location.lon)),
    ...cones.flatMap(([, shape]) => shape.map(([lat, lon]) => mercator(lat, lon))),
    ...markers.map((m) => mercator(m.lat, m.lon)),
  ];
  if (!points.length) {
    for (const street of settings.streets || []) points.push(...street.points.map(([lat, lon]) => mercator(lat, lon)));
  }
  if (!points.length) points.push([0.5, 0.5]);
  const view = frame(points, width, height);
  svg.dataset.background = background(add, view, settings);
  const select = (node, kind, id) => {
    node.dataset.kind = kind;
    node.dataset.id = id;
    if (onSelect) node.addEventListener("click", () => onSelect(kind, id));
  };
  for (const [camera, shape] of cones) {
    const path = shape.map(([lat, lon]) => view.project(mercator(lat, lon)).join(",")).join(" ");
    add("polygon", { points: path, class: `map-fov status-${camera.status}` });
  }
  for (const camera of placed) {
    const [x, y] = view.project(mercator(camera.location.lat, camera.location.lon));
    const group = add("g", { class: `map-camera status-${camera.status}` });
    add("circle", { cx: x, cy: y, r: 7 }, null, group);
    const anchor = x > width * 0.75 ? { x: x - 10, "text-anchor": "end" } : { x: x + 10 };
    add("text", { ...anchor, y: y + 5 }, camera.name, group);
    select(group, "camera", camera.id);
  }
  for (const marker of markers) {
    const [x, y] = view.project(mercator(marker.lat, marker.lon));
    const group = add("g", { class: `map-marker ${marker.kind || "incident"} sev-${marker.severity || "low"}` });
    add("circle", { cx: x, cy: y, r: 13 }, null, group);
    add("text", { x: x + 15, y: y - 10 }, marker.label, group);
    select(group, marker.kind || "incident", marker.id);
  }
  if (settings.attribution) add("text", { x: width - 8, y: height - 8, "text-anchor": "end", class: "map-attribution" }, settings.attribution);
  return svg;
}
