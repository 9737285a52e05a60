package netsuite

// Builders exported to the fuzz tests, which parse their output with the simulator's parser
// (an external test package, to import the parser without a cycle).

func BuildQ(f CategoryFilter) (string, error) { return buildQ(f) }

func BuildSearchQuery(f CategoryFilter) (string, error) { return buildSearchQuery(f) }

func BuildCustomersQuery(entityIDs []string) string { return buildCustomersQuery(entityIDs) }

func LikeLiteral(s string) string { return likeLiteral(s) }

func BuildCustomerIDQuery(entityID string) string { return buildCustomerIDQuery(entityID) }

// UniqueTexts is the filter the client applies to entity ids before quoting them.
func UniqueTexts(ss []string) []string { return uniqueTexts(ss) }
