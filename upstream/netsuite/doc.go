// Package netsuite is custgraph's client of NetSuite's SuiteTalk REST web services: customer
// categories (customerCategory records), the category of each customer, and the SuiteQL batch
// reads the GraphQL loaders use. It is built on upstream/rest (auth, retries, error bodies) and
// returns *upstream.Error for every upstream failure, ctx.Err() when the context ended.
//
// It must not know anything of GraphQL, log or return credentials, tokens or request bodies, or
// put user text into q or SuiteQL except through its escaping builders.
//
// Behaviour where the wire contract (section 1 of shared/upstreams.md) is silent, following
// NetSuite's documentation:
//
//   - Auth: OAuth 2.0 client credentials (M2M). The client assertion is a JWT with header typ
//     JWT, alg PS256 (RSA keys, at least 2048 bits) or ES256/ES384/ES512 (EC P-256/384/521),
//     kid = Config.CertificateID; claims iss = Config.ClientID, scope = ["restlets",
//     "rest_webservices"], aud = the token URL, iat = now, exp = now + 5 min (NetSuite allows at
//     most an hour). Tokens are cached by rest.TokenAuth until a minute before expires_in (read
//     as a number or, as NetSuite sends it, a string; 1 h when absent) and refreshed once on a
//     401. A refused token request is the token endpoint's *upstream.Error with KindUnauthorized
//     and the OAuth code (e.g. Code "invalid_grant"); an unreachable or failing token endpoint
//     is KindUnavailable (transient). (Should rest wrap token failures again, they arrive as
//     KindUnauthorized "token_fetch_failed" with that error in Err.)
//   - q: conditions joined with AND in a fixed order (id ANY_OF [..], name IS / START_WITH /
//     CONTAIN, isInactive IS); string values in double quotes with \" and \\ escaped; ids must be
//     canonical internal ids (digits, no leading zero) or the call is rejected. NetSuite matches
//     these string operators ignoring case.
//   - SuiteQL: ids are validated digits written bare; text is a single-quoted literal with ”
//     for a quote; LIKE patterns escape \, % and _ with \ and carry ESCAPE '\'. Name conditions
//     compare UPPER(name) with UPPER(literal), so both paths ignore case. Every query has ORDER BY
//     so pages are stable. Requests carry "Prefer: transient" and are retried as reads.
//   - Batches (CategoriesByID, CategoriesOfCustomers, CustomersInCategories) drop duplicate keys
//     and keys that cannot exist (ids that are not internal ids; entity ids that are empty, not
//     UTF-8 or over 512 bytes), send one SuiteQL request per 1000 keys (Oracle's IN-list limit,
//     also the page size) and follow hasMore for answers with more rows. Absent keys are absent
//     from the map.
//   - Paging: Limit 0 means 1000, the maximum. NetSuite only takes offsets that are multiples of
//     the limit; the client accepts any Offset and reads the smallest aligned page (at most 1000)
//     that covers [Offset, Offset+Limit), or two aligned pages of Limit when none does, then cuts
//     the window out. HasMore and Offset describe the window asked for.
//     Arguments rejected before any request are *upstream.Error with KindValidation,
//     Code "invalid_argument", Status 0 and Field naming the argument; ids that cannot name a
//     record are KindNotFound with Code NONEXISTENT_ID and Status 0.
//   - Writes: create and update expect 204 (create with a Location header) and read the record
//     back; a 2xx body with the record is used as is. Writes are never retried. If the read-back
//     after a successful create fails, the category is returned as written (an error would
//     invite a retry that makes a duplicate); after an update the read's error is returned.
//   - Errors: o:errorDetails[0] gives Code (o:errorCode), Message (detail) and Field
//     (o:errorPath, o:errorQueryParam or o:errorHeader). NONEXISTENT_ID is KindNotFound;
//     CONCURRENCY_LIMIT_EXCEEDED is KindRateLimited; a taken name (DUP_RCRD or DUP_ENTITY, or a
//     400 whose detail says the record "already exists", NetSuite REST's USER_ERROR wording) is
//     KindDuplicate with Field "name"; a DELETE refused because the record has dependent records
//     (the code THIS_RECORD_CANNOT_BE_DELETED_BECAUSE_IT_HAS_DEPENDENT_RECORDS or that detail)
//     is KindConflict with a message saying the category is still assigned to customers.
//   - SetCustomerCategory finds the customer by entityId with SuiteQL, then PATCHes
//     {"category": {"id": "5"}}, or {"category": null} to clear.
package netsuite
