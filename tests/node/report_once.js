// Report once with the published Vigil reporter (vigil-reporter on npm), then exit:
// 0 when the server answered 200, 1 when the reporter saw a failure, 2 on timeout.
// Only the reporter's 10-second start delay is shortened (setTimeout patched); the
// request itself is built and sent by the library's own code.
"use strict";

const realSetTimeout = global.setTimeout;
global.setTimeout = (fn, ms, ...args) => realSetTimeout(fn, 0, ...args);

const { VigilReporter } = require("vigil-reporter");

const env = process.env;
let reporter = null;
const finish = (code) => {
  if (reporter !== null) {
    reporter.end();
  }
  process.exit(code);
};
const quiet = () => {};
const console_ = {
  log: quiet,
  warn: quiet,
  info: (message) => {
    if (message.includes("Request succeeded")) finish(0);
  },
  error: (message) => {
    process.stderr.write(message + "\n");
    finish(1);
  },
};

realSetTimeout(() => finish(2), 10000);
reporter = new VigilReporter({
  url: env.VIGIL_URL,
  token: env.VIGIL_TOKEN,
  probe_id: env.VIGIL_PROBE,
  node_id: env.VIGIL_NODE,
  replica_id: env.VIGIL_REPLICA,
  interval: 30,
  console: console_,
});
