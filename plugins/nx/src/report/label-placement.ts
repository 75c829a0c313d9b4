/** Places point labels of a scatter chart so that they overlap neither each other nor the points. */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedLabel {
  x: number; // text x (start anchor)
  y: number; // text baseline
}

const CHAR_WIDTH = 5.6; // 10px sans-serif, average glyph
const LINE = 11;

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * Greedy: each label tries spots around its point, nearest first (right-above, right-below, left-above,
 * left-below, then further out), and takes the first that is free and inside the plot; if none is, the
 * least crowded one. Points are handled left to right, so the result does not depend on input order.
 */
export function placeLabels(points: { x: number; y: number; text: string }[], plot: Box, radius = 6): PlacedLabel[] {
  const taken: Box[] = points.map((p) => ({ x: p.x - radius, y: p.y - radius, width: 2 * radius, height: 2 * radius }));
  const order = points.map((p, i) => i).sort((a, b) => points[a].x - points[b].x || points[a].y - points[b].y);
  const placed: PlacedLabel[] = new Array(points.length);
  for (const i of order) {
    const p = points[i];
    const width = p.text.length * CHAR_WIDTH;
    const candidates: Box[] = [];
    for (const reach of [0, 1, 2, 3]) {
      const dy = reach * LINE;
      candidates.push(
        { x: p.x + radius + 2, y: p.y - radius - LINE - dy, width, height: LINE },
        { x: p.x + radius + 2, y: p.y + radius + dy, width, height: LINE },
        { x: p.x - radius - 2 - width, y: p.y - radius - LINE - dy, width, height: LINE },
        { x: p.x - radius - 2 - width, y: p.y + radius + dy, width, height: LINE },
      );
    }
    const inside = (b: Box) => b.x >= plot.x && b.x + b.width <= plot.x + plot.width && b.y >= plot.y && b.y + b.height <= plot.y + plot.height;
    const crowding = (b: Box) => taken.filter((t) => overlaps(t, b)).length + (inside(b) ? 0 : 100);
    const best = candidates.find((b) => crowding(b) === 0) ?? candidates.reduce((a, b) => (crowding(b) < crowding(a) ? b : a));
    taken.push(best);
    placed[i] = { x: best.x, y: best.y + LINE - 2 };
  }
  return placed;
}
