// Package sandbox simulates the B2B sales API (section 3 of the wire contract, seed 002) for
// tests, local runs and load tests: customers, addresses and account groups seeded
// deterministically from seed.Dataset, include[] expansion, cursor pagination, PATCH with
// null-to-clear and Idempotency-Key replay, bearer API key auth, and the sim kit's admin surface
// (/_sim/stats, reset, faults). It must not be used by production code paths, must not call
// any network, and must not share types with the client package beyond its constants: its wire
// structs are its own so that a client mistake fails a contract test instead of being mirrored.
//
// Behaviour chosen where the contract is silent (Stripe-style conventions of the vendor):
//   - Auth: "Authorization: Bearer " + APIKey. Missing: 401 authentication_error
//     api_key_missing; wrong: 401 authentication_error api_key_invalid (checked before routing,
//     so unknown URLs also need the key). Unknown URLs and methods: 404 invalid_request_error
//     url_invalid.
//   - Unknown query parameters and unknown PATCH body fields: 400 parameter_unknown with param.
//     A scalar parameter given twice: 400 parameter_invalid. Arrays are name[]=v (ids[],
//     numbers[], include[]); more than 100 values: 400 parameter_invalid.
//   - include[]: all eleven names of sales.AllIncludes are accepted on list, get and PATCH (the
//     seed's PATCH enum names three; the contract says all expand). credit_limit is Expandable in
//     seed 002, so it is null unless included. freight_preferences and defaults come with their
//     Expandable children (carrier, service_level, payment_term, shipping_term, priority,
//     sales_rep) expanded; fields the seed marks "Always returned as null in this endpoint"
//     (unit, owner, service_levels, flat_rate, minimum_order_value,
//     free_shipping_service_levels, geolocation, and every sub-object of parent_account and of
//     child_accounts' customers) are always null. price_groups is a one-page list; child_accounts
//     embeds at most 100 children in number order, and its next_cursor continues with
//     GET /customers?parent_account_id=<id>. Non-parents have child_accounts null, customers
//     without a parent have parent_account null.
//   - Lists: ordered by (number, id) for customers and by id otherwise; limit default 50, 1..100
//     else 400; cursors are opaque base64url positions ("after key" / "before key"), valid with
//     any filters; a bad cursor is 400 parameter_invalid param cursor. Filters combine with AND;
//     q is a case-insensitive substring of the name; an unknown parent_account_id or id simply
//     matches nothing. An empty page has no cursors and both has_*_page false.
//   - GET of a missing record: 404 invalid_request_error resource_missing, param "id".
//   - PATCH: omitted = unchanged, null = clear (nullable parameters only, else 400
//     parameter_invalid naming it), enums and JSON types checked, referenced ids must exist (400
//     parameter_invalid, param = the parameter; price groups must be pricing_group and the type
//     group type_group accounts; credit_limit.unit_id one of unit_usd, unit_eur, unit_cad;
//     credit_limit.value a non-negative plain decimal string). default_service_level_id must
//     belong to the (new) default carrier; changing the carrier without naming a service level
//     clears the service level. customer_price_group_ids replaces all (duplicates dropped, []
//     clears). name must not be blank; number must be 1..64 printable characters and unique
//     (400 resource_already_exists, param number). Parameters are checked in seed order and the
//     first problem is reported; nothing is applied unless all pass. Every applied PATCH, even
//     an empty one, advances updated_at (strictly).
//   - Idempotency-Key (at most 255 characters): keys are remembered for 24 hours with a hash of
//     method, path, include[] set and body (as a JSON value): never the body itself. Same key and
//     same request: the stored response again with "Idempotent-Replayed: true", not applied
//     again. Same key, different request: 409 invalid_request_error idempotency_key_reused. Only
//     successful responses are stored (as the vendor stores results only once execution
//     succeeded past validation), so a key whose first try failed can be used again. Requests
//     with the same key are serialized, so a concurrent retry replays.
//   - Faults: rate-limit and concurrency faults are 429 rate_limit_error (codes rate_limit and
//     concurrency_limit) with Retry-After (1 s when the fault names none); unavailability is 503
//     api_error service_unavailable; other injected statuses get the matching error type.
//   - Seed: per customer one "cus_" id (hash of the index), name and number from the seed,
//     parent/child links from the seed; status, commission, EDI, note, credit limit (USD or EUR),
//     contact info, carrier (FedEx, UPS, USPS or Customer Pickup, which has no code) and service
//     level, billing type, payment/shipping terms, priority, sales rep (five users), invoice
//     emails, its own bill-to and ship-to address, a type group (4: by seed category) and 1-3
//     pricing groups (8: by seed groups) are derived from the index. Timestamps are fixed.
package sandbox
