#!/usr/bin/env node
'use strict';
// The CLI is TypeScript run through tsx's require hook, so `npx tidewater` works on a fresh clone
// after `npm ci` with no build step.
require('tsx/cjs');
require('../cli/index.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
