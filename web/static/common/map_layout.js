// The map's arithmetic, free of the DOM: projection, the site's area, which markers fall in it,
// the frame a view shows, and labels placed so that none overlaps another.

const EARTH_M = 40075016.686;
const MARGIN = 40;
const OUTSIDE_SLACK = 0.5; // a marker this far (in area widths) beyond the site is still drawn
const MIN_ACROSS_M = 300; // never closer than about 300 m across
export const MAX_ZOOM = 16;

/** Web Mercator of a point, in world units (0..1). */
export function mercator(lat, lon) {
  const rad = (lat * Math.PI) / 180;
  return [(lon + 180) / 360, (1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2];
}

function offset(lat, lon, bearingDeg, metres) {
  const theta = (bearingDeg * Math.PI) / 180;
  const dLat = (metres * Math.cos(theta)) / 111320;
  const dLon = (metres * Math.sin(theta)) / (111320 * Math.cos((lat * Math.PI) / 180));
  return [lat + dLat, lon + dLon];
}

/** The ground a camera covers: its position and an arc at its range ([lat, lon] points). */
export function cone(camera) {
  const { lat, lon } = camera.location;
  const { bearing_deg: bearing, fov_deg: fov, range_m: range } = camera.view;
  const steps = Math.max(4, Math.ceil(fov / 10));
  const arc = [];
  for (let i = 0; i <= steps; i += 1) arc.push(offset(lat, lon, bearing - fov / 2 + (fov * i) / steps, range));
  return fov >= 360 ? arc : [[lat, lon], ...arc];
}

/** The site's area in world units {x0, x1, y0, y1}: its cameras, their cones and its streets. */
export function siteArea(cameras, streets = []) {
  const points = [];
  for (const camera of cameras.filter((c) => c.location)) {
    points.push(mercator(camera.location.lat, camera.location.lon));
    if (camera.view) points.push(...cone(camera).map(([lat, lon]) => mercator(lat, lon)));
  }
  for (const street of streets) points.push(...street.points.map(([lat, lon]) => mercator(lat, lon)));
  if (!points.length) return null;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return { x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) };
}

/** Markers on the site's area (drawn) and far beyond it (listed beside the map instead). */
export function splitMarkers(markers, area) {
  if (!area) return { inside: markers, outside: [] };
  const minimum = MIN_ACROSS_M / EARTH_M;
  const slackX = Math.max(area.x1 - area.x0, minimum) * OUTSIDE_SLACK;
  const slackY = Math.max(area.y1 - area.y0, minimum) * OUTSIDE_SLACK;
  const inside = [];
  const outside = [];
  for (const marker of markers) {
    const [x, y] = mercator(marker.lat, marker.lon);
    const near = x >= area.x0 - slackX && x <= area.x1 + slackX && y >= area.y0 - slackY && y <= area.y1 + slackY;
    (near ? inside : outside).push(marker);
  }
  return { inside, outside };
}

/**
 * The frame of a width x height drawing: the area fitted, then zoomed by `zoom` around a centre
 * that never leaves the area. Returns {scale, cx, cy, width, height, project}.
 */
export function frame(area, width, height, { zoom = 1, centre = null } = {}) {
  const minimum = MIN_ACROSS_M / EARTH_M;
  const box = area || { x0: 0.5, x1: 0.5, y0: 0.5, y1: 0.5 };
  const fit = Math.min((width - 2 * MARGIN) / Math.max(box.x1 - box.x0, minimum),
    (height - 2 * MARGIN) / Math.max(box.y1 - box.y0, minimum));
  const scale = fit * Math.max(1, Math.min(MAX_ZOOM, zoom));
  const [cx, cy] = clampCentre(box, centre || [(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2]);
  const project = ([x, y]) => [width / 2 + (x - cx) * scale, height / 2 + (y - cy) * scale];
  return { scale, cx, cy, width, height, project };
}

/** A centre kept on the site's area. */
export function clampCentre(box, [x, y]) {
  return [Math.min(box.x1, Math.max(box.x0, x)), Math.min(box.y1, Math.max(box.y0, y))];
}

const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Where each label goes ({x, y, anchor} or null when it has no free place), in order of
 * importance: `items` are {x, y, text, radius}; the dots themselves are obstacles too.
 */
export function placeLabels(items, width, height, { charWidth = 7.5, lineHeight = 16 } = {}) {
  const taken = items.map((i) => ({ x: i.x - i.radius, y: i.y - i.radius, w: 2 * i.radius, h: 2 * i.radius }));
  return items.map((item) => {
    const w = item.text.length * charWidth;
    const gap = item.radius + 3;
    const candidates = [
      { x: item.x + gap, y: item.y - lineHeight / 2, anchor: "start" },
      { x: item.x - gap - w, y: item.y - lineHeight / 2, anchor: "end" },
      { x: item.x - w / 2, y: item.y - gap - lineHeight, anchor: "middle" },
      { x: item.x - w / 2, y: item.y + gap, anchor: "middle" },
    ];
    for (const spot of candidates) {
      const box = { x: spot.x, y: spot.y, w, h: lineHeight };
      const onCanvas = box.x >= 0 && box.y >= 0 && box.x + w <= width && box.y + lineHeight <= height;
      if (!onCanvas || taken.some((other) => overlaps(box, other))) continue;
      taken.push(box);
      const textX = spot.anchor === "start" ? box.x : spot.anchor === "end" ? box.x + w : box.x + w / 2;
      return { x: textX, y: box.y + lineHeight - 4, anchor: spot.anchor };
    }
    return null;
  });
}
