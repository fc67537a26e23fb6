// Regenerates `supergraph.graphql` in every planning/supergraph fixture folder that has a
// `subgraphs/` folder (one `<service>.graphql` per subgraph), with Apollo's own composition, so
// our loader and planner are tested on supergraphs Apollo produces.
// Run: node tests/bff/planning/compose_fixtures.mjs   (needs `npm ci` in tools/apollo-composition)
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const require = createRequire(join(root, "tools/apollo-composition/package.json"));
const { composeServices } = require("@apollo/composition");
const { parse } = require("graphql");

const fixtureRoots = [join(root, "tests/bff/planning/fixtures"), join(root, "tests/bff/supergraph/fixtures")];
let failed = false;
for (const fixtures of fixtureRoots.filter(existsSync)) {
  for (const name of readdirSync(fixtures).sort()) {
    const subgraphsDir = join(fixtures, name, "subgraphs");
    if (!existsSync(subgraphsDir)) continue;
    const services = readdirSync(subgraphsDir)
      .filter((file) => file.endsWith(".graphql"))
      .sort()
      .map((file) => {
        const service = file.slice(0, -".graphql".length);
        const sdl = readFileSync(join(subgraphsDir, file), "utf8");
        return { name: service, url: `http://${service}.local/graphql`, typeDefs: parse(sdl) };
      });
    const result = composeServices(services);
    if (result.errors) {
      failed = true;
      console.error(`${name}: ${result.errors.map((error) => error.message).join("\n  ")}`);
      continue;
    }
    writeFileSync(join(fixtures, name, "supergraph.graphql"), result.supergraphSdl + "\n");
    console.log(`${name}: supergraph.graphql`);
  }
}
process.exit(failed ? 1 : 0);
