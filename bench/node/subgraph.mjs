// One federation subgraph for the benchmark: @apollo/subgraph's schema behind a plain `http`
// server. The first request with a given body is executed for real; its response bytes are
// cached by exact body, so later identical requests cost only a map lookup and a write and the
// subgraphs stay far from being the bottleneck.
//
// Usage: node subgraph.mjs NAME SDL_FILE DATA_FILE [PORT]; prints {"name","port"} once listening.
import { readFileSync } from "node:fs";
import http from "node:http";

import { buildSubgraphSchema } from "@apollo/subgraph";
import { graphql, parse } from "graphql";

import { resolversFor } from "./resolvers.mjs";

// Bounded so a client sending endless distinct bodies cannot grow the process without limit.
const MAX_CACHED_BODIES = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;

const [name, sdlFile, dataFile, portArg = "0"] = process.argv.slice(2);
const data = JSON.parse(readFileSync(dataFile, "utf8"));
const schema = buildSubgraphSchema({
  typeDefs: parse(readFileSync(sdlFile, "utf8")),
  resolvers: resolversFor(name, data),
});
const answers = new Map();
// GraphQL requests received, read by the benchmark (GET /stats) to count each gateway's subgraph
// requests per query.
let requestsServed = 0;

async function execute(body) {
  let request;
  try {
    request = JSON.parse(body);
  } catch {
    return { status: 400, bytes: Buffer.from('{"errors":[{"message":"body is not JSON"}]}') };
  }
  const result = await graphql({
    schema,
    source: request.query,
    variableValues: request.variables,
    operationName: request.operationName,
  });
  return { status: 200, bytes: Buffer.from(JSON.stringify(result)) };
}

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ requests: requestsServed }));
    return;
  }
  if (req.method !== "POST") {
    res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "text/plain" });
    res.end(req.url === "/health" ? "ok" : "not found");
    return;
  }
  const chunks = [];
  let size = 0;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on("end", async () => {
    requestsServed += 1;
    const body = Buffer.concat(chunks).toString("utf8");
    let answer = answers.get(body);
    if (answer === undefined) {
      answer = await execute(body);
      if (answer.status === 200 && answers.size < MAX_CACHED_BODIES) answers.set(body, answer);
    }
    res.writeHead(answer.status, {
      "content-type": "application/json",
      "content-length": answer.bytes.length,
    });
    res.end(answer.bytes);
  });
});
// Longer than any client's idle timeout, so the gateways' pooled connections are not cut.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.listen(Number(portArg), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ name, port: server.address().port })}\n`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
