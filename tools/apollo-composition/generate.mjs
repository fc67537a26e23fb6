// Regenerates Apollo's reference output for every composition fixture folder.
//
// Each folder under tests/discovery/composition/fixtures/<case>/ holds one `<service>.graphql` per
// subgraph. Apollo's composition result is written next to them, as test data for our compose():
// `apollo-supergraph.graphql` when the graph composes, `apollo-errors.json` when it does not.
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const here = dirname(fileURLToPath(import.meta.url));
const fixturesRoot = resolve(here, "../../tests/discovery/composition/fixtures");
const SUPERGRAPH_FILE = "apollo-supergraph.graphql";
const ERRORS_FILE = "apollo-errors.json";

function subgraphsOf(caseDir) {
  return readdirSync(caseDir)
    .filter((file) => file.endsWith(".graphql") && file !== SUPERGRAPH_FILE)
    .sort()
    .map((file) => {
      const name = file.slice(0, -".graphql".length);
      return {
        name,
        url: `http://${name}.local/graphql`,
        typeDefs: parse(readFileSync(join(caseDir, file), "utf8")),
      };
    });
}

function errorsAsJson(errors) {
  return errors.map((error) => ({
    code: error.extensions?.code ?? null,
    message: error.message,
  }));
}

const only = process.argv.slice(2);
for (const caseName of readdirSync(fixturesRoot).sort()) {
  const caseDir = join(fixturesRoot, caseName);
  if (!statSync(caseDir).isDirectory() || (only.length && !only.includes(caseName))) continue;
  let result;
  try {
    result = composeServices(subgraphsOf(caseDir));
  } catch (error) {
    // A subgraph that graphql-js cannot even parse is reported like a composition error.
    result = { errors: [error] };
  }
  rmSync(join(caseDir, SUPERGRAPH_FILE), { force: true });
  rmSync(join(caseDir, ERRORS_FILE), { force: true });
  if (result.errors) {
    writeFileSync(join(caseDir, ERRORS_FILE), JSON.stringify(errorsAsJson(result.errors), null, 2) + "\n");
    console.log(`${caseName}: ${result.errors.length} error(s)`);
  } else {
    writeFileSync(join(caseDir, SUPERGRAPH_FILE), result.supergraphSdl + "\n");
    console.log(`${caseName}: supergraph`);
  }
}
