// Package views holds the customer views that tests and benchmarks of several packages share,
// so that "the nested view" means the same document in the e2e counts, the limit costs and the
// rendering benchmarks.
package views

// Counted is the nested view whose upstream requests the e2e tests count (TestNoNPlusOne) and
// whose cost the limits are checked against: every edge of a customer, to the parent's
// category and the children's groups; $first customers.
const Counted = `query Count($first: Int!) {
  customers(first: $first) {
    nodes {
      number name
      category { name }
      groups { key }
      billToAddress { name } shipToAddress { name }
      type { name }
      priceGroups { nodes { name } }
      parentAccount { number category { name } }
      childAccounts { nodes { number groups { key } } }
    }
  }
}`

// CustomerFields is the full selection of a customer: every scalar, every sub-object, category,
// groups, parent and children with theirs.
const CustomerFields = `id salesId number name status note isEdiEnabled isParentAccount commissionPolicy createdAt updatedAt
  creditLimit { value displayValue }
  contactInfo { email phone url }
  freightPreferences { freightPolicy carrier { id name code } serviceLevel { id name } billingType billingAccount }
  defaults { paymentTerm { id name } shippingTerm { id name type } priority { code name } salesRep { id name } }
  notificationPreferences { acceptsInvoiceEmails }
  billToAddress { id salesId name } shipToAddress { id name }
  type { id name type }
  priceGroups { nodes { id name type } }
  category { id netsuiteId name isInactive }
  groups { id key name version }
  parentAccount { id number name category { name } groups { key } }
  childAccounts { nodes { number name category { name } groups { key } } }`
