// A real client's view of our introspection: graphql-js builds a client schema from the
// introspection result on stdin and prints it as SDL. Usage: node print_client_schema.cjs NODE_MODULES
const path = require("node:path");
const { buildClientSchema, printSchema } = require(path.join(process.argv[2], "graphql"));

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const result = JSON.parse(input);
  process.stdout.write(printSchema(buildClientSchema(result.data)));
});
