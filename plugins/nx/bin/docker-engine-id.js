#!/usr/bin/env node
// Prints the ID of the Docker engine that DOCKER_HOST (or the default socket) names, and the ID of each
// image named on the command line in that engine ("absent" if it has none), or "no-engine".
// An Nx runtime input of the image target: an image built in one engine is not in another, and a
// rebuilt base image must rebuild the images FROM it.
'use strict';
const http = require('http');

const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
const target = host.startsWith('unix://')
  ? { socketPath: host.slice('unix://'.length) }
  : (() => {
      const url = new URL(host.replace(/^tcp:/, 'http:'));
      return { host: url.hostname, port: Number(url.port) || 2375 };
    })();

function get(path) {
  return new Promise((resolve) => {
    const req = http.get({ ...target, path, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(body) : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

(async () => {
  const info = await get('/info');
  if (!info) return process.stdout.write('no-engine\n');
  const images = [];
  for (const name of process.argv.slice(2)) {
    const image = await get(`/images/${encodeURIComponent(name)}/json`);
    images.push(`${name}=${image ? image.Id : 'absent'}`);
  }
  process.stdout.write([info.ID || 'unknown-engine', ...images].join(' ') + '\n');
})();
