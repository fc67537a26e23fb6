// Apollo Gateway (@apollo/gateway) in @apollo/server's standalone HTTP server, one process,
// serving a supergraph file. Usage: node apollo-gateway.mjs SUPERGRAPH_FILE PORT
import { readFileSync } from "node:fs";

import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const [supergraphFile, portArg] = process.argv.slice(2);
const gateway = new ApolloGateway({ supergraphSdl: readFileSync(supergraphFile, "utf8") });
// The landing page and usage reporting are off: neither is part of serving a query.
const server = new ApolloServer({ gateway, introspection: false, csrfPrevention: false });
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(portArg) },
});
process.stdout.write(`${JSON.stringify({ url })}\n`);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.stop().finally(() => process.exit(0)));
}
