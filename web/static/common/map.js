// The offline map: cameras with their field of view, alarms and incidents as markers.
// Drawn as SVG in Web Mercator; under it the site's own tiles if it has a tile server, otherwise
// the streets from the site file, otherwise a plain grid. Nothing is fetched from outside.
// The view stays on the site's area: markers far beyond it are left to the caller to list.
import { api } from "./api.js";
import { cone, frame, mercator, placeLabels, siteArea, splitMarkers } from "./map_layout.js";

const NS = "http://www.w3.org/2000/svg";
let config = null;

/** The site's map settings ({tile_url, attribution, streets}), read once. */
export async function mapConfig() {
  if (!config) config = await api("/api/site/map");
  return config;
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

function streetNames(add, view, streets) {
  // A street's name along its longest stretch, when it fits there.
  for (const street of streets.filter((s) => s.name)) {
    const points = street.points.map(([lat, lon]) => view.project(mercator(lat, lon)));
    let best = null;
    for (let i = 1; i < points.length; i += 1) {
      const [a, b] = [points[i - 1], points[i]];
      const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
      if (!best || length > best.length) best = { a, b, length };
    }
    if (!best || best.length < street.name.length * 6.5) continue;
    const [left, right] = best.a[0] <= best.b[0] ? [best.a, best.b] : [best.b, best.a];
    const angle = (Math.atan2(right[1] - left[1], right[0] - left[0]) * 180) / Math.PI;
    const [mx, my] = [(left[0] + right[0]) / 2, (left[1] + right[1]) / 2];
    add("text", { x: mx, y: my + 4, "text-anchor": "middle", class: "map-street-name",
      transform: `rotate(${angle.toFixed(1)} ${mx.toFixed(1)} ${my.toFixed(1)})` }, street.name);
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
    streetNames(add, view, settings.streets);
    return "streets";
  }
  for (let x = 0; x <= width; x += 40) add("line", { x1: x, y1: 0, x2: x, y2: height, class: "map-grid" });
  for (let y = 0; y <= height; y += 40) add("line", { x1: 0, y1: y, x2: width, y2: y, class: "map-grid" });
  return "grid";
}

function selectable(node, kind, id, name, onSelect) {
  // Clickable, and reachable with Tab then Enter or Space, as any button.
  node.dataset.kind = kind;
  node.dataset.id = id;
  node.setAttribute("tabindex", "0");
  node.setAttribute("role", "button");
  node.setAttribute("aria-label", name);
  if (!onSelect) return;
  node.addEventListener("click", () => onSelect(kind, id));
  node.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    event.stopPropagation();
    onSelect(kind, id);
  });
}

/**
 * Draw cameras ({id, name, status, location, view}) and markers ({id, lat, lon, label, title,
 * severity, kind}) in a drawing of width x height (the pane's pixels, so that text keeps its
 * size), zoomed and centred as `view` says ({zoom, centre}); onSelect(kind, id) runs when one is
 * chosen. Markers beyond the site's area are not drawn (splitMarkers says which); `area` (world
 * units {x0, x1, y0, y1}) replaces the one the cameras and streets make. Returns the <svg>.
 */
export function drawMap({ cameras = [], markers = [], settings = {}, onSelect = null, width: w = 1000, height: h = 700, view: wanted = {}, area: given = null }) {
  const [width, height] = [Math.max(w, 200), Math.max(h, 150)];
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "map");
  const add = adder(svg);
  const placed = cameras.filter((c) => c.location);
  // A page without cameras (the Forum) names the area it shows itself.
  const area = given || siteArea(placed, settings.streets || []);
  const { inside } = splitMarkers(markers, area);
  const view = frame(area, width, height, wanted);
  svg.dataset.background = background(add, view, settings);
  svg.dataset.scale = String(view.scale);
  for (const camera of placed.filter((c) => c.view)) {
    const path = cone(camera).map(([lat, lon]) => view.project(mercator(lat, lon)).join(",")).join(" ");
    add("polygon", { points: path, class: `map-fov status-${camera.status}` });
  }
  const dots = [
    ...inside.map((m) => ({ kind: m.kind || "incident", item: m, radius: 13, text: m.label, name: m.title || m.label,
      at: view.project(mercator(m.lat, m.lon)), cls: `map-marker ${m.kind || "incident"} sev-${m.severity || "low"}` })),
    ...placed.map((c) => ({ kind: "camera", item: c, radius: 7, text: c.name, name: c.name,
      at: view.project(mercator(c.location.lat, c.location.lon)), cls: `map-camera status-${c.status}` })),
  ];
  // Incidents first: their labels win a contested spot over a camera's.
  const spots = placeLabels(dots.map((d) => ({ x: d.at[0], y: d.at[1], text: d.text, radius: d.radius })), width, height);
  dots.forEach((dot, index) => {
    const group = add("g", { class: dot.cls });
    add("title", {}, dot.name, group);
    add("circle", { cx: dot.at[0], cy: dot.at[1], r: dot.radius }, null, group);
    const spot = spots[index];
    if (spot) add("text", { x: spot.x, y: spot.y, "text-anchor": spot.anchor }, dot.text, group);
    else group.classList.add("label-hidden");
    selectable(group, dot.kind, dot.item.id, dot.name, onSelect);
  });
  // Cameras under markers in the drawing order would hide them: markers go last.
  for (const group of [...svg.querySelectorAll("g.map-marker")]) svg.append(group);
  if (settings.attribution) add("text", { x: width - 8, y: height - 8, "text-anchor": "end", class: "map-attribution" }, settings.attribution);
  return svg;
}
