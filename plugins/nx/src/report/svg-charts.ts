import type { VariantProfile } from './build-report';
import { placeLabels } from './label-placement';

/** Inline SVG charts: the page needs no script and no network to draw them. */

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const palette = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

/** Speedup over native tf.function, grouped by model, one bar per measured variant. */
export function speedupChart(variants: VariantProfile[]): string {
  const measured = variants.filter((v) => v.speedup);
  if (measured.length === 0) return '<p class="empty">No variant was benchmarked on this machine yet.</p>';
  const models = [...new Set(measured.map((v) => v.model))];
  const platforms = [...new Set(measured.map((v) => v.variant.slice(v.model.length + 1)))];
  const top = Math.max(1, ...measured.map((v) => v.speedup!.vsTfFunction));
  const step = Math.max(1, Math.ceil(top / 6));
  const max = Math.ceil(top / step) * step;
  const bar = 22;
  const gap = 28;
  const left = 60;
  const height = 280;
  const groupWidth = platforms.length * bar + gap;
  const width = left + models.length * groupWidth + 20;
  const y = (x: number) => 20 + (height - 40) * (1 - x / max);
  const parts: string[] = [];
  for (let tick = 0; tick <= max; tick += step) {
    parts.push(
      `<line x1="${left}" x2="${width}" y1="${y(tick)}" y2="${y(tick)}" class="grid"/>` +
        `<text x="${left - 8}" y="${y(tick) + 4}" class="axis" text-anchor="end">×${tick}</text>`,
    );
  }
  parts.push(`<line x1="${left}" x2="${width}" y1="${y(1)}" y2="${y(1)}" class="parity"/>`);
  models.forEach((model, i) => {
    const x0 = left + i * groupWidth + gap / 2;
    platforms.forEach((platform, j) => {
      const v = measured.find((m) => m.model === model && m.variant === `${model}-${platform}`);
      if (!v) return;
      const s = v.speedup!.vsTfFunction;
      parts.push(
        `<rect class="bar" x="${x0 + j * bar}" y="${y(s)}" width="${bar - 4}" ` +
          `height="${Math.max(1, y(0) - y(s))}" fill="${palette[j % palette.length]}">` +
          `<title>${esc(v.variant)}: ×${s.toFixed(2)} vs tf.function</title></rect>`,
      );
    });
    parts.push(`<text x="${x0 + (platforms.length * bar) / 2}" y="${height + 4}" class="axis" text-anchor="middle">${esc(model)}</text>`);
  });
  const legend = platforms.map((p, j) => `<span><i style="background:${palette[j % palette.length]}"></i>${esc(p)}</span>`).join('');
  return (
    `<svg class="chart" id="speedup-chart" viewBox="0 0 ${width} ${height + 20}" width="${width}" height="${height + 20}" ` +
    `role="img" aria-label="Speedup over native TensorFlow per platform and model">` +
    `${parts.join('')}</svg><div class="legend">${legend}</div>`
  );
}

/** Latency (log scale) against accuracy: labelled accuracy when the data has labels, else top-1/IoU agreement. */
export function latencyAccuracyChart(variants: VariantProfile[]): string {
  const points = variants
    .filter((v) => v.latencyMs && v.accuracy)
    .map((v) => {
      const a = v.accuracy!;
      const y = a.variantAccuracy ?? a.top1Agreement ?? a.iouAgreement ?? a.minCosine;
      return { v, x: v.latencyMs!.p50, y };
    });
  if (points.length === 0) return '<p class="empty">No variant has both a latency and a verification result yet.</p>';
  const width = 640;
  const height = 320;
  const left = 60;
  const bottom = 40;
  const xs = points.map((p) => Math.log10(p.x));
  const [xmin, xmax] = [Math.min(...xs) - 0.2, Math.max(...xs) + 0.2];
  const ymin = Math.min(0.5, ...points.map((p) => p.y));
  const px = (x: number) => left + ((Math.log10(x) - xmin) / (xmax - xmin)) * (width - left - 20);
  const py = (y: number) => 15 + (1 - (y - ymin) / (1 - ymin || 1)) * (height - bottom - 15);
  const parts: string[] = [];
  // 1-2-5 ticks: a decade alone leaves most points between two labels
  for (let e = Math.floor(xmin); e <= Math.ceil(xmax); e++) {
    for (const m of [1, 2, 5]) {
      const x = m * 10 ** e;
      if (Math.log10(x) < xmin || Math.log10(x) > xmax) continue;
      const text = x >= 1 ? String(x) : x.toFixed(-e);
      parts.push(
        `<line x1="${px(x)}" x2="${px(x)}" y1="15" y2="${height - bottom}" class="${m === 1 ? 'grid' : 'grid minor'}"/>` +
          `<text x="${px(x)}" y="${height - bottom + 16}" class="axis" text-anchor="middle">${text} ms</text>`,
      );
    }
  }
  for (const t of [ymin, (ymin + 1) / 2, 1])
    parts.push(`<text x="${left - 8}" y="${py(t) + 4}" class="axis" text-anchor="end">${(t * 100).toFixed(0)}%</text>`);
  const models = [...new Set(points.map((p) => p.v.model))];
  const names = points.map((p) => p.v.variant.slice(p.v.model.length + 1));
  const labels = placeLabels(
    points.map((p, i) => ({ x: px(p.x), y: py(p.y), text: names[i] })),
    { x: left, y: 0, width: width - left, height: height - bottom },
  );
  points.forEach((p, i) => {
    const color = palette[models.indexOf(p.v.model) % palette.length];
    parts.push(
      `<circle class="point" cx="${px(p.x)}" cy="${py(p.y)}" r="6" fill="${color}">` +
        `<title>${esc(p.v.variant)}: ${p.x.toFixed(2)} ms, ${(p.y * 100).toFixed(1)}%</title></circle>` +
        `<text x="${labels[i].x}" y="${labels[i].y}" class="label" style="fill:${color}">${esc(names[i])}</text>`,
    );
  });
  parts.push(`<text x="${width / 2}" y="${height - 6}" class="axis" text-anchor="middle">LAT p50 over HTTP (log scale)</text>`);
  const legend = models.map((m, i) => `<span><i style="background:${palette[i % palette.length]}"></i>${esc(m)}</span>`).join('');
  return (
    `<svg class="chart" id="latency-accuracy-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `role="img" aria-label="Latency against accuracy">${parts.join('')}</svg><div class="legend">${legend}</div>`
  );
}
