"""What every subgraph service shares: API-key check, app and handler factory, tables.

Import from the modules (this package stays empty so `tables` imports nothing heavy):

- `schema.build_subgraph_schema(service_name, query=, mutation=, types=)` -> Federation-2
  schema with error masking and the UTC `DateTime` scalar (`datetime` fields; `format_datetime`).
- `errors.UserError(message, ErrorCode.BAD_USER_INPUT | NOT_FOUND | CONFLICT)`: raise from
  resolvers; anything else reaches clients as `INTERNAL_SERVER_ERROR` without details.
- `app.create_app(schema, service_name, resources=..., api_keys=None)` -> ASGI app serving
  `/graphql`; every route needs `X-API-Key` (`api_keys.ApiKeys`, default from `API_KEYS` or
  `API_KEY_SECRET_ID`). Resolvers get `info.context: context.SubgraphContext` with
  `.resources` (what you passed), `.identity` (the verified caller or None), and
  `.loader(batch_fn)` (a request-scoped strawberry DataLoader for `batch_fn`).
- `handler.create_handler(app, service_name)` -> Lambda handler (mangum, lifespan off).
- `batching.batch_get_items(client, table, keys)` -> items aligned with keys (None if absent);
  one BatchGetItem per 100 keys, UnprocessedKeys retried. Use it inside a DataLoader batch fn.
- `items.to_item(dict)` / `from_item(item)` / `to_attribute(value)`: DynamoDB attribute values
  to and from plain Python values (boto3's type (de)serializers).
- `pagination.check_page_size(first)`, `encode_cursor(key)`, `decode_cursor(cursor, names)`.
- `identity.IdentityVerifier` / `Identity`: the BFF's signed `X-BFF-Identity` token, verified;
  `authorization.require_admin` / `require_owner` / `owned_student_id`: who may do what.
- `secrets.RotatingKeys`: key lists, fixed or from Secrets Manager re-read in the background
  after a TTL.
- `serving.BackgroundServer(app)`: uvicorn in a thread on a free port (dev stack, tests);
  `serving.serve(app, host, port)` in the foreground.
- `aws_clients.dynamodb_client()`: the process-wide boto3 client (pass your own in tests).
- `observability.service_logger(name)`: the service's Powertools Logger.
- `tables`: the table specs shared with infra/.
"""
