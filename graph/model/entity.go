package model

// Federation entities (@key in schema.graphqls): the types a router can fetch through _entities.
func (Customer) IsEntity()         {}
func (CustomerCategory) IsEntity() {}
func (CustomerGroup) IsEntity()    {}
