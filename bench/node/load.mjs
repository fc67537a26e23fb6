// The load generator: fixed concurrency for a fixed time after a warm-up, every response checked.
//
// Usage: node load.mjs CONFIG_FILE; prints one JSON result line. CONFIG_FILE holds
//   {mode: "gateway", url, body, expectedHash, connections, warmupSeconds, durationSeconds}
//     autocannon POSTs `body` to `url`; each response body must canonicalise to `expectedHash`.
//   {mode: "floor", tree, connections, warmupSeconds, durationSeconds}
//     no gateway: each logical request replays the planned subgraph requests in `tree`
//     ({kind: "seq"|"par", nodes} or {kind: "fetch", url, body, expectedHash}): sequential
//     stages, parallel within a stage; every subgraph answer is checked against its hash.
// Latencies are kept per logical request, so p50/p95/p99 are exact, not histogram buckets.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";

import autocannon from "autocannon";

// Responses whose exact bytes were already verified once: later ones cost a string compare.
const MAX_KNOWN_BODIES = 16;

export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function canonicalHash(text) {
  return createHash("sha256").update(canonicalJson(JSON.parse(text))).digest("hex");
}

function bodyChecker(expectedHash) {
  const known = [];
  return (body) => {
    if (known.includes(body)) return true;
    let ok = false;
    try {
      ok = canonicalHash(body) === expectedHash;
    } catch {
      ok = false;
    }
    if (ok && known.length < MAX_KNOWN_BODIES) known.push(body);
    return ok;
  };
}

function percentile(sorted, fraction) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, rank)];
}

function summary(latencies, counts, seconds) {
  const sorted = Float64Array.from(latencies).sort();
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    ...counts,
    seconds,
    rps: counts.ok / seconds,
    latencyMs: {
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      mean: sorted.length ? total / sorted.length : null,
      max: sorted.length ? sorted[sorted.length - 1] : null,
    },
  };
}

async function gatewayRun(config, seconds, record) {
  const verify = bodyChecker(config.expectedHash);
  const latencies = [];
  const counts = { requests: 0, ok: 0, mismatches: 0, non2xx: 0, errors: 0, timeouts: 0 };
  const instance = autocannon({
    url: config.url,
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: config.body,
    connections: config.connections,
    duration: seconds,
    timeout: 10,
    verifyBody: verify,
  });
  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    if (record) latencies.push(responseTime);
  });
  const result = await instance;
  counts.requests = result.requests.total;
  counts.mismatches = result.mismatches;
  counts.non2xx = result.non2xx;
  counts.errors = result.errors;
  counts.timeouts = result.timeouts;
  counts.ok = result["2xx"] - result.mismatches;
  return summary(latencies, counts, result.duration);
}

function post(agent, fetch) {
  return new Promise((resolve) => {
    const request = http.request(
      fetch.url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": fetch.bytes.length },
      },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", () => resolve({ status: 0, text: "" }));
      },
    );
    request.on("error", () => resolve({ status: 0, text: "" }));
    request.end(fetch.bytes);
  });
}

function prepareTree(node) {
  if (node.kind === "fetch") {
    return { ...node, bytes: Buffer.from(node.body), verify: bodyChecker(node.expectedHash) };
  }
  return { ...node, nodes: node.nodes.map(prepareTree) };
}

async function replay(agent, node, outcome) {
  if (node.kind === "fetch") {
    const { status, text } = await post(agent, node);
    if (status === 0) outcome.error = true;
    else if (status < 200 || status >= 300) outcome.non2xx = true;
    else if (!node.verify(text)) outcome.mismatch = true;
  } else if (node.kind === "seq") {
    for (const child of node.nodes) await replay(agent, child, outcome);
  } else {
    await Promise.all(node.nodes.map((child) => replay(agent, child, outcome)));
  }
}

async function floorRun(config, seconds, record) {
  const tree = prepareTree(config.tree);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const latencies = [];
  const counts = { requests: 0, ok: 0, mismatches: 0, non2xx: 0, errors: 0, timeouts: 0 };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const outcome = {};
      const begin = performance.now();
      await replay(agent, tree, outcome);
      counts.requests += 1;
      if (outcome.error) counts.errors += 1;
      else if (outcome.non2xx) counts.non2xx += 1;
      else if (outcome.mismatch) counts.mismatches += 1;
      else counts.ok += 1;
      if (record) latencies.push(performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: config.connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return summary(latencies, counts, elapsed);
}

async function main() {
  const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const run = config.mode === "floor" ? floorRun : gatewayRun;
  const warmup = config.warmupSeconds > 0 ? await run(config, config.warmupSeconds, false) : null;
  const measured = await run(config, config.durationSeconds, true);
  measured.warmup = warmup && {
    requests: warmup.requests,
    ok: warmup.ok,
    mismatches: warmup.mismatches,
    non2xx: warmup.non2xx,
    errors: warmup.errors,
  };
  process.stdout.write(`${JSON.stringify(measured)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
