// Package resolvers implements the GraphQL schema: thin resolvers that validate arguments, ask the
// per-request loaders (reads) or one upstream client (writes), and map results to graph models.
// They know nothing of URLs or wire formats: those stay in upstream/.
package resolvers

import (
	"context"
	"log/slog"

	"custgraph/loaders"
)

// Resolver is the root resolver; every type resolver embeds it.
type Resolver struct {
	Loaders *loaders.Factory
	Logger  *slog.Logger
	// Invalidate, when set, is called by every mutation with what it changed, before the
	// mutation returns, so that no replica serves the old value from the shared cache.
	Invalidate Invalidator
}

// Invalidator drops cached entries after a write. Each method returns an error the mutation
// reports: a write whose cache entry could not be removed must not look fully successful.
type Invalidator interface {
	Customer(ctx context.Context, salesID, number string) error
	Category(ctx context.Context, id string) error
	// CustomerCategory: the customer's category reference, and the member lists of the
	// categories it left and joined.
	CustomerCategory(ctx context.Context, number string, categoryIDs ...string) error
	Group(ctx context.Context, id string) error
	CustomerGroups(ctx context.Context, number string) error
}
