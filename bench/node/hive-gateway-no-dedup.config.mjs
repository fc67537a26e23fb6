// Hive Gateway with its in-flight de-duplication of identical subgraph requests turned off
// (it is on by default), to compare with gateways that send every planned request.
export const gatewayConfig = {
  transportEntries: { "*.http": { options: { deduplicateInflightRequests: false } } },
};
