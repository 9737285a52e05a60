// Package seed generates the sandbox's data set: customers, categories and groups linked across
// the three simulators by customer number, deterministic for a given size so tests and load
// runs see the same data every time. It holds only what links the systems; each simulator
// derives its own details (ids, addresses, versions) from it, just as deterministically.
package seed

import (
	"fmt"
	"math/rand/v2"
)

// Options sizes the data set. Zero fields take the defaults.
type Options struct {
	Customers  int // default 200
	Categories int // default 20 (at least 3)
	Groups     int // default 30 (at most 1000, the commercetools limit)
}

// Category is a NetSuite customerCategory.
type Category struct {
	ID       string // NetSuite internal id, "1", "2", ...
	Name     string
	Inactive bool
}

// Group is a commercetools customer group.
type Group struct {
	Key  string
	Name string
}

// Customer is one business, the same in all three systems.
type Customer struct {
	Index    int    // position in Dataset.Customers; simulators derive their ids from it
	Number   string // sales number = NetSuite entityId = commercetools customerNumber
	Name     string
	Category int   // index into Categories; every customer has one
	Groups   []int // indexes into Groups, at least one; the first is the primary customerGroup
	Parent   int   // index of the parent account, -1 for none
}

// Dataset is the whole seed.
type Dataset struct {
	Categories []Category
	Groups     []Group
	Customers  []Customer
}

// Children returns the indexes of the customers whose parent is parent.
func (d Dataset) Children(parent int) []int {
	var out []int
	for _, c := range d.Customers {
		if c.Parent == parent {
			out = append(out, c.Index)
		}
	}
	return out
}

// IsParent reports whether customer i has child accounts.
func (d Dataset) IsParent(i int) bool { return len(d.Children(i)) > 0 }

// Name lists are functions, not package variables: nothing can change them between runs.
func categoryNames() []string {
	return []string{
		"Enterprise", "Mid-Market", "Small Business", "Startup", "Individual/Consumer",
		"Healthcare", "Financial Services", "Retail", "Manufacturing", "Technology",
		"Professional Services", "Direct Customer", "Reseller/Partner", "Government", "Non-Profit",
		"Educational Institution", "North America", "EMEA", "APAC", "Latin America",
	}
}

func groupNames() []string {
	return []string{
		"Gold", "Silver", "Bronze", "Platinum", "Reseller", "Wholesale", "Distributor", "VIP",
		"Employee", "Partner", "Education", "Government", "Nonprofit", "Startup Program", "Loyalty",
		"Trade", "Export", "Regional North", "Regional South", "Regional East", "Regional West",
		"Early Access", "Beta Testers", "Key Accounts", "Strategic", "Churn Risk", "New Business",
		"Renewal", "Seasonal", "Clearance",
	}
}

func nameParts() (first, second, suffix []string) {
	first = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark",
		"Wayne", "Wonka", "Tyrell", "Cyberdyne", "Soylent", "Aperture", "Gringotts", "Oscorp",
		"Pied Piper", "Monarch", "Sterling", "Dunder", "Bluth"}
	second = []string{"Industrial", "Logistics", "Foods", "Health", "Supply", "Electric",
		"Textiles", "Marine", "Labs", "Outfitters"}
	suffix = []string{"Inc.", "LLC", "Ltd.", "GmbH", "Co.", "Group"}
	return first, second, suffix
}

// Generate builds the data set for o.
func Generate(o Options) Dataset {
	if o.Customers <= 0 {
		o.Customers = 200
	}
	if o.Categories <= 0 {
		o.Categories = 20
	}
	o.Categories = max(o.Categories, 3)
	if o.Groups <= 0 {
		o.Groups = 30
	}
	o.Groups = min(o.Groups, 1000)

	rng := rand.New(rand.NewPCG(20261126, 7))
	var d Dataset
	for i := range o.Categories {
		name := fmt.Sprintf("Segment %d", i+1)
		if names := categoryNames(); i < len(names) {
			name = names[i]
		}
		// The last two categories are inactive and unassigned, so filters on isInactive and the
		// "cannot delete a category in use" rule both have something to show.
		d.Categories = append(d.Categories, Category{ID: fmt.Sprint(i + 1), Name: name, Inactive: i >= o.Categories-2})
	}
	for i := range o.Groups {
		name := fmt.Sprintf("Group %d", i+1)
		if names := groupNames(); i < len(names) {
			name = names[i]
		}
		d.Groups = append(d.Groups, Group{Key: fmt.Sprintf("grp-%03d", i+1), Name: name})
	}
	activeCategories := o.Categories - 2
	for i := range o.Customers {
		c := Customer{
			Index:    i,
			Number:   fmt.Sprintf("C-%d", 1001+i),
			Name:     customerName(i),
			Category: rng.IntN(activeCategories),
			Parent:   -1,
		}
		// Every tenth customer is a parent of the next three.
		if r := i % 10; r >= 1 && r <= 3 {
			c.Parent = i - r
		}
		n := 1 + rng.IntN(min(3, o.Groups))
		seen := map[int]bool{}
		for len(c.Groups) < n {
			g := rng.IntN(o.Groups)
			if !seen[g] {
				seen[g] = true
				c.Groups = append(c.Groups, g)
			}
		}
		d.Customers = append(d.Customers, c)
	}
	return d
}

func customerName(i int) string {
	nameFirst, nameSecond, nameSuffix := nameParts()
	a := nameFirst[i%len(nameFirst)]
	b := nameSecond[(i/len(nameFirst))%len(nameSecond)]
	s := nameSuffix[(i/(len(nameFirst)*len(nameSecond)))%len(nameSuffix)]
	if round := i / (len(nameFirst) * len(nameSecond) * len(nameSuffix)); round > 0 {
		return fmt.Sprintf("%s %s %d %s", a, b, round+1, s)
	}
	return fmt.Sprintf("%s %s %s", a, b, s)
}
