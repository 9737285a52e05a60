package seed

import (
	"reflect"
	"testing"
)

func TestGenerateIsDeterministicAndLinked(t *testing.T) {
	t.Parallel()
	a, b := Generate(Options{}), Generate(Options{})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two generations of the default seed differ")
	}
	if len(a.Customers) != 200 || len(a.Categories) != 20 || len(a.Groups) != 30 {
		t.Fatalf("default sizes: %d customers, %d categories, %d groups", len(a.Customers), len(a.Categories), len(a.Groups))
	}
	numbers, names := map[string]bool{}, map[string]bool{}
	for _, c := range a.Customers {
		if numbers[c.Number] || names[c.Name] {
			t.Fatalf("customer %d repeats a number or name: %+v", c.Index, c)
		}
		numbers[c.Number], names[c.Name] = true, true
		if a.Categories[c.Category].Inactive {
			t.Errorf("customer %s is in inactive category %d", c.Number, c.Category)
		}
		if len(c.Groups) == 0 {
			t.Errorf("customer %s has no group", c.Number)
		}
		if c.Parent >= 0 && a.Customers[c.Parent].Parent >= 0 {
			t.Errorf("customer %s has a parent that has a parent", c.Number)
		}
	}
	if !a.IsParent(0) || len(a.Children(0)) != 3 {
		t.Errorf("customer 0 should have 3 children, has %v", a.Children(0))
	}
}

func TestGenerateHonoursSizes(t *testing.T) {
	t.Parallel()
	d := Generate(Options{Customers: 1000, Categories: 25, Groups: 2000})
	if len(d.Customers) != 1000 || len(d.Categories) != 25 || len(d.Groups) != 1000 {
		t.Fatalf("sizes: %d %d %d", len(d.Customers), len(d.Categories), len(d.Groups))
	}
	names := map[string]bool{}
	for _, c := range d.Customers {
		if names[c.Name] {
			t.Fatalf("duplicate name %q", c.Name)
		}
		names[c.Name] = true
	}
}
