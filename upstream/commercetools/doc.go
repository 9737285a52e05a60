// Package commercetools is custgraph's client for the commercetools HTTP API, limited to what the
// gateway needs: customer groups (get, query, create, update, delete, by id or key) and the groups
// of customers (batch read by customer number, replace a customer's groups). It follows section 2
// of the upstream contract and is built on upstream/rest, so every upstream failure is an
// *upstream.Error. It knows nothing of GraphQL and must not log or return credentials, tokens or
// request bodies.
//
// Choices where the contract is silent, following commercetools' documented behaviour:
//
//   - Auth is OAuth 2.0 client credentials with HTTP Basic at {AuthURL}/oauth/token. Tokens are
//     cached by rest.TokenAuth (commercetools issues them for 48 h) and refetched once on a 401.
//     A failed token fetch is reported with the endpoint's status and OAuth error code only, never
//     its body.
//   - Reads, and writes that carry a version (update, delete, SetCustomerGroups), are retried on
//     429/5xx honouring Retry-After: a repeated versioned write cannot apply twice, it fails with
//     409 instead. Create carries no version and is sent once. A 409 is never retried.
//   - Query predicates (where) are built by Predicate: field names must match an identifier or
//     dotted-path pattern (dotted paths render as commercetools' nested form, so
//     "customerGroup.id" becomes customerGroup(id = :p0)); values travel only as var.* input
//     variables. And/Or skip zero-value operands; And() or Or() of nothing is the zero Predicate,
//     which filters nothing. Not of the zero Predicate and In with no values are errors.
//   - Batch reads (GroupsByID, CustomersByNumber) use one fixed predicate with a list variable
//     (`id in :ids`, `customerNumber in :nums`), withTotal=false (cheaper: no count), and split the
//     keys so that each request has at most 500 keys and a URL under 6 KiB; chunks run in parallel,
//     at most four at a time. Keys that come back absent are simply missing from the map.
//   - commercetools keeps references to deleted customer groups on customers (no cascade); such a
//     reference cannot be expanded, so it has no Obj. Customer.GroupIDs still lists it,
//     Customer.Groups skips it.
//   - Argument errors found before sending (empty id, bad field name, limit out of range) are
//     *upstream.Error values with KindValidation, Code "InvalidInput" and Status 0.
//
// Error mapping from the body's errors[0]: ConcurrentModification → KindConflict with
// CurrentVersion; DuplicateField → KindDuplicate with Field; ResourceNotFound → KindNotFound;
// MaxResourceLimitExceeded → KindValidation; invalid_token → KindUnauthorized;
// insufficient_scope → KindForbidden; other codes keep the status's kind.
package commercetools
