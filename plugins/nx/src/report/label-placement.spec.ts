import { describe, expect, it } from 'vitest';
import { placeLabels } from './label-placement';

const plot = { x: 0, y: 0, width: 600, height: 300 };
const box = (l: { x: number; y: number }, text: string) => ({ x: l.x, y: l.y - 9, width: text.length * 5.6, height: 11 });
const overlap = (a: ReturnType<typeof box>, b: ReturnType<typeof box>) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('placeLabels', () => {
  it('puts a lone label just right of and above its point', () => {
    const [label] = placeLabels([{ x: 100, y: 100, text: 'cpu' }], plot);
    expect(label.x).toBeGreaterThan(100);
    expect(label.y).toBeLessThan(100);
  });

  it('keeps labels of points on top of each other apart', () => {
    const points = ['cpu', 'cpu-tf', 'cpu-int8', 'cpu-tflite-int8'].map((text, i) => ({ x: 400 + i * 3, y: 20, text }));
    const labels = placeLabels(points, plot);
    const boxes = labels.map((l, i) => box(l, points[i].text));
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlap(boxes[i], boxes[j])).toBe(false);
    for (const b of boxes) expect(b.y).toBeGreaterThanOrEqual(0); // inside the plot, not above it
  });

  it('moves a label to the left at the right edge', () => {
    const [label] = placeLabels([{ x: 595, y: 150, text: 'cpu-tflite-int8' }], plot);
    expect(label.x + 'cpu-tflite-int8'.length * 5.6).toBeLessThanOrEqual(595);
  });
});
