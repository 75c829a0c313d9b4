#!/usr/bin/env node
// Prints the ID of the Docker engine that DOCKER_HOST (or the default socket) names, or "no-engine".
// An Nx runtime input of the image target: an image built in one engine is not in another.
'use strict';
const http = require('http');

const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
const target = host.startsWith('unix://')
  ? { socketPath: host.slice('unix://'.length) }
  : (() => {
      const url = new URL(host.replace(/^tcp:/, 'http:'));
      return { host: url.hostname, port: Number(url.port) || 2375 };
    })();

const req = http.get({ ...target, path: '/info', timeout: 3000 }, (res) => {
  let body = '';
  res.on('data', (chunk) => (body += chunk));
  res.on('end', () => {
    try {
      process.stdout.write(`${JSON.parse(body).ID || 'unknown-engine'}\n`);
    } catch {
      process.stdout.write('no-engine\n');
    }
  });
});
req.on('timeout', () => req.destroy());
req.on('error', () => process.stdout.write('no-engine\n'));
