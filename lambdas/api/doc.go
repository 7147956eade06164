// Command api serves the Stratus items API behind an API Gateway REST API
// with a Cognito user-pool authorizer (Lambda proxy integration, payload 1.0:
// events.APIGatewayProxyRequest). The routes, their request-body JSON schemas
// and whether they need a signed-in user are declared once in
// github.com/stratus-cdk/stratus/contract.
//
// # Environment
//
//	DATABASE_URL      a PostgreSQL DSN (local runs); otherwise:
//	DB_HOST DB_PORT DB_NAME DB_USER   set by serverlessdb.Bind
//	DB_IAM_AUTH=true  mint an RDS IAM auth token per new connection (TLS)
//	DB_PROXY=true     an RDS Proxy is in front (unnamed statements: no pinning)
//	UPLOADS_BUCKET    bucket of the presigned attachment uploads
//	APP_CONFIG_PARAM  SSM parameter with JSON {"maxAttachmentBytes": N, "allowedContentTypes": [...]},
//	                  read once per cold start on first need; defaults 10 MiB and
//	                  image/png, image/jpeg, image/gif, image/webp, application/pdf, text/plain
//	EVENT_TOPIC_ARN   SNS topic: each change's events are published right after commit (unset: they
//	                  wait in the outbox for the outbox Lambda)
//	VERSION           reported by /health (default "dev")
//	CORS_ORIGINS      comma-separated origins that get Access-Control-Allow-Origin
//
// # API
//
// The caller is the `sub` claim of the Cognito token
// (requestContext.authorizer.claims.sub); every user sees and changes only
// their own data. Bodies are JSON (Content-Type: application/json).
//
// An item:
//
//	{"id": "uuid", "title": "1..200 chars", "notes": "0..10000 chars, \"\" if none",
//	 "status": "open"|"done", "dueDate": "YYYY-MM-DD"|null, "version": 1,
//	 "createdAt": "RFC3339", "updatedAt": "RFC3339"}
//
// Responses carrying one item set ETag: "<version>".
//
//	GET    /health                  public. 200 {"status":"ok","version":"..."}; 503 if the database is unreachable
//	GET    /items?status=open|done&limit=1..100(20)&cursor=...
//	                                200 {"items":[item...], "nextCursor": "opaque"|null}, newest first
//	POST   /items                   {"title", "notes"?, "status"?, "dueDate"?} → 201 item, Location: /items/{id}
//	                                Idempotency-Key: <1..255 printable ASCII> makes retries safe for 24 h:
//	                                the same key and body return the first response (same status and body,
//	                                plus Idempotent-Replayed: true); the same key with another body → 422
//	GET    /items/{id}              200 item
//	PATCH  /items/{id}              any of {"title", "notes", "status", "dueDate"} (null clears dueDate);
//	                                If-Match: "<version>" optional → 412 if the item changed. 200 item
//	                                (a patch that changes nothing keeps the version)
//	DELETE /items/{id}              If-Match optional. 204
//	POST   /items/{id}/attachments  {"fileName", "contentType", "size"} → 201
//	                                {"attachment": {"id","itemId","fileName","contentType","size","status":"pending","createdAt"},
//	                                 "upload": {"url", "method":"PUT", "headers":{"Content-Type":...}, "expiresAt"}}
//	                                PUT the file to url with exactly those headers (Content-Type and
//	                                Content-Length are signed) before expiresAt (15 minutes)
//	GET    /items/{id}/attachments  200 {"attachments":[attachment...]} oldest first
//	GET    /activity?limit=&cursor= 200 {"activity":[{"id","type","itemId","summary","occurredAt"}...], "nextCursor"}
//
// Errors are {"error": {"code": "...", "message": "..."}}:
//
//	400 bad_request          malformed JSON or base64, an id that is not a UUID, a bad If-Match or Idempotency-Key
//	400 validation_failed    the body does not match the route's schema or the domain's rules; bad limit, status, cursor
//	401 unauthorized         no signed-in user
//	404 not_found            no such route, or no such item of this user (another user's id is 404 too)
//	405 method_not_allowed   (with Allow)
//	412 precondition_failed  If-Match does not match the item's version
//	413 payload_too_large    a body over 64 KiB, or an attachment over maxAttachmentBytes
//	422 unprocessable        an Idempotency-Key reused with a different body
//	503 unavailable          the database cannot be reached (Retry-After: 1)
//	500 internal             a bug (logged); never a client mistake
//
// Responses to requests whose Origin is in CORS_ORIGINS carry
// Access-Control-Allow-Origin (and expose ETag and Location); OPTIONS answers
// preflights locally (API Gateway answers them in AWS).
//
// Every change writes its event (item.created, item.updated, item.deleted,
// attachment.requested; see lambdas/internal/app/event) to the outbox table in
// the same transaction.
package main
